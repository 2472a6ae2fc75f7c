package pipeline

import (
	"os"
	"path/filepath"
	"testing"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func hashOf(t *testing.T, dir string) string {
	t.Helper()
	h, err := ContentHash(dir)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestContentHash(t *testing.T) {
	base := map[string]string{"main.go": "package main\n", "lib/a.txt": "a", "Dockerfile": "FROM scratch\n"}
	tests := []struct {
		name    string
		change  func(t *testing.T, dir string)
		changed bool
	}{
		{"nothing", func(*testing.T, string) {}, false},
		{"content", func(t *testing.T, dir string) { writeFiles(t, dir, map[string]string{"lib/a.txt": "b"}) }, true},
		{"new file", func(t *testing.T, dir string) { writeFiles(t, dir, map[string]string{"new.txt": ""}) }, true},
		{"mode", func(t *testing.T, dir string) {
			if err := os.Chmod(filepath.Join(dir, "main.go"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"rename", func(t *testing.T, dir string) {
			if err := os.Rename(filepath.Join(dir, "lib", "a.txt"), filepath.Join(dir, "lib", "b.txt")); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"git folder", func(t *testing.T, dir string) {
			writeFiles(t, dir, map[string]string{".git/HEAD": "ref: refs/heads/x\n", "lib/.git/index": "x"})
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, base)
			before := hashOf(t, dir)
			if again := hashOf(t, dir); again != before {
				t.Fatalf("hash not stable: %s then %s", before, again)
			}
			tt.change(t, dir)
			after := hashOf(t, dir)
			if (after != before) != tt.changed {
				t.Errorf("changed = %v, want %v", after != before, tt.changed)
			}
		})
	}
}

func TestContentHashSameContentElsewhere(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	files := map[string]string{"x/y.txt": "y", "z": "z"}
	writeFiles(t, a, files)
	writeFiles(t, b, files)
	if ha, hb := hashOf(t, a), hashOf(t, b); ha != hb {
		t.Errorf("same files in two folders hash differently: %s, %s", ha, hb)
	}
}

func TestContentHashMissingFolder(t *testing.T) {
	if _, err := ContentHash(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Error("no error for a missing folder")
	}
}
