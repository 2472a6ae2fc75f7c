package docker

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestContextTar(t *testing.T) {
	tests := []struct {
		name       string
		files      map[string]string
		dockerfile func(ctxDir, outside string) string
		wantFiles  []string
		wantName   string // "" means generated
	}{
		{
			name: "default Dockerfile and dockerignore",
			files: map[string]string{
				"Dockerfile":    "FROM x\n",
				".dockerignore": "secret.txt\nDockerfile\n.dockerignore\nbuild/\n",
				"main.go":       "package main\n",
				"secret.txt":    "no",
				"build/out":     "no",
			},
			dockerfile: func(string, string) string { return "" },
			wantFiles:  []string{".dockerignore", "Dockerfile", "main.go"},
			wantName:   "Dockerfile",
		},
		{
			name:       "relative path in a subfolder",
			files:      map[string]string{"docker/app.Dockerfile": "FROM x\n", "a": "1"},
			dockerfile: func(string, string) string { return "docker/app.Dockerfile" },
			wantFiles:  []string{"a", "docker/", "docker/app.Dockerfile"},
			wantName:   "docker/app.Dockerfile",
		},
		{
			name:       "absolute path outside the context",
			files:      map[string]string{"a": "1", ".dockerignore": "b"},
			dockerfile: func(_, outside string) string { return outside },
			wantFiles:  []string{".dockerignore", "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctxDir := t.TempDir()
			for name, content := range tt.files {
				path := filepath.Join(ctxDir, name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			outside := filepath.Join(t.TempDir(), "Outside.Dockerfile")
			if err := os.WriteFile(outside, []byte("FROM outside\n"), 0o644); err != nil {
				t.Fatal(err)
			}

			rc, name, err := contextTar(ctxDir, tt.dockerfile(ctxDir, outside), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			entries := readTar(t, rc)

			if tt.wantName != "" && name != tt.wantName {
				t.Errorf("dockerfile name = %q, want %q", name, tt.wantName)
			}
			if tt.wantName == "" {
				if entries[name] != "FROM outside\n" {
					t.Errorf("generated %q holds %q", name, entries[name])
				}
				if !strings.HasSuffix(entries[".dockerignore"], "\n"+name+"\n") {
					t.Errorf(".dockerignore = %q, want it to end with %s", entries[".dockerignore"], name)
				}
				delete(entries, name)
			}
			var got []string
			for n := range entries {
				got = append(got, n)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tt.wantFiles, ",") {
				t.Errorf("tar holds %v, want %v", got, tt.wantFiles)
			}
		})
	}
}

func TestContextTarErrors(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := contextTar(filepath.Join(dir, "missing"), "", nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing context: err = %v", err)
	}
	if _, _, err := contextTar(dir, "Nope.Dockerfile", nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing Dockerfile: err = %v", err)
	}
}

func readTar(t *testing.T, r io.Reader) map[string]string {
	t.Helper()
	entries := map[string]string{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return entries
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		entries[h.Name] = string(data)
	}
}
