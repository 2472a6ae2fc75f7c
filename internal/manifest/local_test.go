package manifest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadLocal(t *testing.T) {
	tests := []struct {
		name, content string
		want          map[string]string // relative to the root
		err           string
	}{
		{"folders", "local:\n  zbackend: ../zbackend\n  web: /abs/web\n", map[string]string{"zbackend": "../zbackend", "web": "/abs/web"}, ""},
		{"comments only", "# nothing here\n", map[string]string{}, ""},
		{"unknown field", "locals:\n  zbackend: ../z\n", nil, "field locals not found"},
		{"not a mapping", "local: [a, b]\n", nil, "expected `local:"},
		{"empty folder", "local:\n  zbackend: \"\"\n", nil, "local.zbackend names no folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.WriteFile(filepath.Join(root, LocalFileName), []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := LoadLocal(root)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{}
			for k, v := range tt.want {
				if !filepath.IsAbs(v) {
					v = filepath.Join(root, v)
				}
				want[k] = filepath.Clean(v)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestLoadLocalNoFile(t *testing.T) {
	got, err := LoadLocal(t.TempDir())
	if err != nil || len(got) != 0 {
		t.Errorf("LoadLocal without a file = %v, %v", got, err)
	}
}

func TestParseLocal(t *testing.T) {
	got, err := ParseLocal([]string{"zbackend=../zb", "web=/w"}, "/home/me/platform")
	want := map[string]string{"zbackend": "/home/me/zb", "web": "/w"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ParseLocal = %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"zbackend", "=x", "zbackend="} {
		if _, err := ParseLocal([]string{bad}, "/"); err == nil {
			t.Errorf("ParseLocal(%q) gave no error", bad)
		}
	}
}

func TestCheckLocal(t *testing.T) {
	dir := t.TempDir()
	m := &Manifest{Services: []*Service{{Name: "zbackend"}}}
	if err := m.CheckLocal(map[string]string{"zbackend": dir}); err != nil {
		t.Errorf("valid override: %v", err)
	}
	if err := m.CheckLocal(map[string]string{"nope": dir}); err == nil || !strings.Contains(err.Error(), "no such service") {
		t.Errorf("unknown service: %v", err)
	}
	if err := m.CheckLocal(map[string]string{"zbackend": filepath.Join(dir, "missing")}); err == nil || !strings.Contains(err.Error(), "is not a folder") {
		t.Errorf("missing folder: %v", err)
	}
}

func TestEnvironmentProtected(t *testing.T) {
	m, err := Load(filepath.Join("testdata", "valid-environments-protected.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := m.Environment("production"); !e.Protected {
		t.Errorf("production not protected: %+v", e)
	}
	if e, _ := m.Environment("staging"); e.Protected {
		t.Errorf("staging protected: %+v", e)
	}
	_, err = Load(filepath.Join("testdata", "invalid-env-protected.yaml"))
	if err == nil || !strings.Contains(err.Error(), "environments.production.protected") {
		t.Errorf("a protected that is not a bool: %v", err)
	}
}
