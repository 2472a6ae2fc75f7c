package render

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func pin(name, digestChar string) Image {
	return Image{
		Name:    name,
		NewName: "registry.example.com/x/" + name,
		Tag:     strings.Repeat("c", 40),
		Digest:  "sha256:" + strings.Repeat(digestChar, 64),
	}
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		root, env  string
		images     []Image
		wantUnused []string
	}{
		{name: "demo-staging", root: "../../../k8s", env: "staging", images: []Image{pin("zbackend", "a"), pin("zfrontend", "b")}},
		{name: "demo-production", root: "../../../k8s", env: "production", images: []Image{pin("zbackend", "a"), pin("zfrontend", "b")}},
		{
			name: "jobs", root: "testdata/k8s", env: "jobs",
			images:     []Image{pin("web", "a"), pin("worker", "b"), pin("unused", "d")},
			wantUnused: []string{"unused"},
		},
		{name: "jobs-unpinned", root: "testdata/k8s", env: "jobs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Render(tt.root, tt.env, tt.images)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if !reflect.DeepEqual(got.Unused, tt.wantUnused) {
				t.Errorf("Unused = %v, want %v", got.Unused, tt.wantUnused)
			}
			golden := filepath.Join("testdata", tt.name+".golden.yaml")
			if *update {
				if err := os.WriteFile(golden, got.YAML, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("reading golden file (run with -update to create it): %v", err)
			}
			if string(got.YAML) != string(want) {
				t.Errorf("rendered YAML differs from %s:\n%s", golden, got.YAML)
			}
			if n := strings.Count(string(got.YAML), "\nkind: "); n != len(got.Objects) {
				t.Errorf("%d objects for %d documents", len(got.Objects), n)
			}
		})
	}
}

func TestRenderAnnotatesWorkloads(t *testing.T) {
	t.Parallel()
	got, err := Render("testdata/k8s", "jobs", []Image{pin("web", "a"), pin("worker", "b")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		// The init container's worker:old is pinned too: kustomize matches by name.
		"StatefulSet/web": "registry.example.com/x/web:" + strings.Repeat("c", 40) + ",registry.example.com/x/worker:" + strings.Repeat("c", 40),
		"CronJob/nightly": "registry.example.com/x/worker:" + strings.Repeat("c", 40),
		"Pod/debug":       "registry.example.com/x/web:" + strings.Repeat("c", 40),
	}
	for _, o := range got.Objects {
		key := o.GetKind() + "/" + o.GetName()
		if a := o.GetAnnotations()[ImagesAnnotation]; a != want[key] {
			t.Errorf("%s: %s = %q, want %q", key, ImagesAnnotation, a, want[key])
		}
		if o.GetNamespace() != "jobs" {
			t.Errorf("%s: namespace %q, want jobs", key, o.GetNamespace())
		}
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, root, env string
		wantUnknown     bool
		wantIn          string
	}{
		{name: "missing env", root: "testdata/k8s", env: "qa", wantUnknown: true, wantIn: "environments with an overlay: broken, jobs"},
		{name: "path in env", root: "testdata/k8s", env: "../overlays/jobs", wantUnknown: true},
		{name: "empty env", root: "testdata/k8s", env: "", wantUnknown: true},
		{name: "no overlays at all", root: "testdata", env: "jobs", wantUnknown: true, wantIn: "none"},
		{name: "missing resource", root: "testdata/k8s", env: "broken", wantIn: "missing.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Render(tt.root, tt.env, nil)
			var ue *UnknownEnvError
			var re *Error
			switch {
			case err == nil:
				t.Fatal("Render succeeded, want an error")
			case tt.wantUnknown && !errors.As(err, &ue):
				t.Fatalf("error %v (%T), want *UnknownEnvError", err, err)
			case !tt.wantUnknown && !errors.As(err, &re):
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("error %q does not contain %q", err, tt.wantIn)
			}
			if strings.Contains(err.Error(), wrapperDir) {
				t.Errorf("error %q names the in-memory wrapper", err)
			}
		})
	}
}

func TestRenderWritesNothing(t *testing.T) {
	t.Parallel()
	if _, err := Render("testdata/k8s", "jobs", []Image{pin("web", "a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join("testdata/k8s", wrapperDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("render left %s on disk (stat: %v)", wrapperDir, err)
	}
}
