package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
)

type registry map[string]string

func (r registry) Digest(_ context.Context, ref image.Ref) (string, error) {
	if d, ok := r[ref.String()]; ok {
		return d, nil
	}
	if strings.Contains(ref.String(), "down") {
		return "", errors.New("connection refused")
	}
	return "", fmt.Errorf("looking up %s: %w", ref, image.ErrNotFound)
}

func TestResolveImages(t *testing.T) {
	t.Parallel()
	m := &manifest.Manifest{Registry: "reg.example.com/x"}
	svc := func(name string) *manifest.Service {
		return &manifest.Service{Name: name, Dir: "src/" + name, Git: manifest.Git{Reference: "origin/master"}, Docker: manifest.Docker{Image: "img-" + name}}
	}
	a, b, c := svc("a"), svc("b"), svc("c")
	commits := func(s *manifest.Service) (string, error) {
		if s.Name == "c" {
			return "", errors.New("repository does not exist")
		}
		return strings.Repeat(s.Name, 40), nil
	}
	reg := registry{"reg.example.com/x/img-a:" + strings.Repeat("a", 40): "sha256:aaa"}

	got, err := ResolveImages(t.Context(), m, []*manifest.Service{a}, commits, reg)
	if err != nil {
		t.Fatal(err)
	}
	want := Version{ImageName: "img-a", Service: release.Service{Name: "a", Commit: strings.Repeat("a", 40), Reference: "origin/master",
		Tag: strings.Repeat("a", 40), Image: image.Cut("reg.example.com/x/img-a:" + strings.Repeat("a", 40)), Digest: "sha256:aaa"}}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("ResolveImages = %+v, want %+v", got, want)
	}
	pin := got[0].Pin()
	if pin != (render.Image{Name: "img-a", NewName: "reg.example.com/x/img-a", Tag: strings.Repeat("a", 40), Digest: "sha256:aaa"}) {
		t.Errorf("Pin = %+v", pin)
	}

	_, err = ResolveImages(t.Context(), m, []*manifest.Service{a, b, c}, commits, reg)
	var me *MissingImagesError
	if !errors.As(err, &me) || len(me.Missing) != 2 {
		t.Fatalf("error %v, want two missing images", err)
	}
	for _, want := range []string{"b: reg.example.com/x/img-b:" + strings.Repeat("b", 40) + " is not in the registry", "c: resolving origin/master in src/c", "x-platform build --services b,c", "nothing was deployed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}

	down := &manifest.Manifest{Registry: "down.example.com"}
	if _, err := ResolveImages(t.Context(), down, []*manifest.Service{a}, commits, reg); err == nil || errors.As(err, &me) {
		t.Errorf("an unreachable registry gave %v, want a plain error", err)
	}
}

func objects(t *testing.T, yaml string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := ParseObjects([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestParseObjects(t *testing.T) {
	t.Parallel()
	objs := objects(t, "# leading comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {n: \"1\"}\n---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\nspec: {replicas: 2}\n")
	if len(objs) != 2 || objs[0].GetName() != "a" || objs[1].GetKind() != "Deployment" {
		t.Fatalf("objects %v", objs)
	}
	if n, _, err := unstructured.NestedInt64(objs[1].Object, "spec", "replicas"); n != 2 || err != nil {
		t.Errorf("replicas %d (%v): numbers must decode as integers", n, err)
	}
	if _, err := ParseObjects([]byte("kind: [unclosed\n")); err == nil {
		t.Error("invalid YAML parsed")
	}
}

func TestChooseNamespace(t *testing.T) {
	t.Parallel()
	one := objects(t, "kind: ConfigMap\napiVersion: v1\nmetadata: {name: a, namespace: x}\n---\nkind: Namespace\napiVersion: v1\nmetadata: {name: x}\n")
	two := objects(t, "kind: ConfigMap\napiVersion: v1\nmetadata: {name: a, namespace: x}\n---\nkind: ConfigMap\napiVersion: v1\nmetadata: {name: b, namespace: other}\n")
	none := objects(t, "kind: ConfigMap\napiVersion: v1\nmetadata: {name: a}\n")
	tests := []struct {
		explicit string
		objs     []*unstructured.Unstructured
		want     string
	}{
		{"chosen", one, "chosen"},
		{"", one, "x"},
		{"", two, "default"},
		{"", none, "default"},
	}
	for _, tt := range tests {
		if got := ChooseNamespace(tt.explicit, tt.objs); got != tt.want {
			t.Errorf("ChooseNamespace(%q, …) = %q, want %q", tt.explicit, got, tt.want)
		}
	}
}

func TestCheckPolicies(t *testing.T) {
	t.Parallel()
	objs := objects(t, "kind: Deployment\napiVersion: apps/v1\nmetadata: {name: a, annotations: {x-platform.io/fail-mode: Sometimes}}\n---\nkind: Job\napiVersion: batch/v1\nmetadata: {name: b, annotations: {x-platform.io/track: \"false\"}}\n")
	err := checkPolicies(objs)
	if !IsConfigError(err) || !strings.Contains(err.Error(), "Deployment.apps/a") || !strings.Contains(err.Error(), "Sometimes") {
		t.Errorf("checkPolicies: %v", err)
	}
	if err := checkPolicies(objs[1:]); err != nil {
		t.Errorf("checkPolicies of a valid object: %v", err)
	}
}

func TestIsConfigError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("x: %w", &render.UnknownEnvError{Env: "qa"}), true},
		{&render.Error{Env: "qa", Err: errors.New("bad")}, true},
		{&kube.ConfigError{Err: errors.New("no context")}, true},
		{&kube.UnreachableError{Server: "s", Err: errors.New("refused")}, false},
		{&MissingImagesError{}, false},
		{errors.New("other"), false},
	}
	for _, tt := range tests {
		if got := IsConfigError(tt.err); got != tt.want {
			t.Errorf("IsConfigError(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestRollbackTarget(t *testing.T) {
	t.Parallel()
	rec := func(rev int, s release.Status) *release.Record { return &release.Record{Revision: rev, Status: s} }
	tests := []struct {
		name    string
		all     []*release.Record
		to      int
		want    int
		wantErr bool
	}{
		{"previous deployed", []*release.Record{rec(1, release.Superseded), rec(2, release.Superseded), rec(3, release.Deployed)}, 0, 2, false},
		{"skips failed", []*release.Record{rec(1, release.Superseded), rec(2, release.Failed), rec(3, release.Deployed)}, 0, 1, false},
		{"after a failure left in place", []*release.Record{rec(1, release.Superseded), rec(2, release.Deployed), rec(3, release.Failed)}, 0, 2, false},
		{"explicit", []*release.Record{rec(1, release.Superseded), rec(2, release.Deployed)}, 1, 1, false},
		{"explicit unknown", []*release.Record{rec(1, release.Deployed)}, 7, 0, true},
		{"nothing earlier", []*release.Record{rec(1, release.Deployed)}, 0, 0, true},
		{"empty", nil, 0, 0, true},
	}
	for _, tt := range tests {
		got, err := rollbackTarget(tt.all, tt.to, "staging")
		if tt.wantErr {
			if err == nil {
				t.Errorf("%s: got revision %d, want an error", tt.name, got.Revision)
			}
			continue
		}
		if err != nil || got.Revision != tt.want {
			t.Errorf("%s: %v %v, want revision %d", tt.name, got, err, tt.want)
		}
	}
}

func TestOverlayNamespace(t *testing.T) {
	obj := func(ns string) *unstructured.Unstructured {
		o := &unstructured.Unstructured{}
		o.SetNamespace(ns)
		return o
	}
	tests := []struct {
		objs []*unstructured.Unstructured
		want string
	}{
		{nil, ""},
		{[]*unstructured.Unstructured{obj(""), obj("x-staging"), obj("x-staging")}, "x-staging"},
		{[]*unstructured.Unstructured{obj("default"), obj("x-staging")}, ""},
		{[]*unstructured.Unstructured{obj("default")}, "default"},
	}
	for _, tt := range tests {
		if got := OverlayNamespace(tt.objs); got != tt.want {
			t.Errorf("OverlayNamespace = %q, want %q", got, tt.want)
		}
	}
}
