package manifest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	root := t.TempDir()
	mustWrite(t, filepath.Join(root, FileName))
	mustWrite(t, filepath.Join(root, "a", FileName))
	if err := os.MkdirAll(filepath.Join(root, "a", "b", "c"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A folder with the manifest's name is not a manifest.
	if err := os.MkdirAll(filepath.Join(root, "d", FileName), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		start, want string
	}{
		{"", ""},
		{"a", "a"},
		{"a/b", "a"},
		{"a/b/c", "a"},
		{"d", ""},
		{"d/" + FileName, ""},
	}
	for _, tt := range tests {
		got, err := Find(filepath.Join(root, tt.start))
		if err != nil {
			t.Errorf("Find(%q): %v", tt.start, err)
			continue
		}
		if want := filepath.Join(root, tt.want, FileName); got != want {
			t.Errorf("Find(%q) = %s, want %s", tt.start, got, want)
		}
	}
}

func TestFindRelativeStart(t *testing.T) {
	root := t.TempDir()
	mustWrite(t, filepath.Join(root, FileName))
	if err := os.MkdirAll(filepath.Join(root, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(root, "a"))
	got, err := Find("b")
	if err != nil || got != filepath.Join(root, FileName) {
		t.Errorf("Find(b) = %q, %v; want %s", got, err, filepath.Join(root, FileName))
	}
}

func TestFindNotFound(t *testing.T) {
	start := filepath.Join(t.TempDir(), "x", "y")
	if err := os.MkdirAll(start, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/" + FileName); err == nil {
		t.Fatalf("/%s exists, so no folder lacks a manifest", FileName)
	}
	_, err := Find(start)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Find = %v, want ErrNotFound", err)
	}
	for _, want := range []string{start, "--file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), FileName))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load = %v, want fs.ErrNotExist", err)
	}
	var errs Errors
	if errors.As(err, &errs) {
		t.Errorf("a missing file is reported as manifest problems: %v", err)
	}
}

// TestParsePaths checks that Parse never reads the disk and makes the
// path absolute while messages keep it as given.
func TestParsePaths(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "valid-minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	m, err := Parse("no/such/"+FileName, data)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "no/such", FileName); m.Path != want || m.Root != filepath.Dir(want) {
		t.Errorf("Path %s Root %s, want %s and its folder", m.Path, m.Root, want)
	}
	if want := filepath.Join(dir, "no/such/src/zbackend"); m.Services[0].AbsDir != want {
		t.Errorf("AbsDir %s, want %s", m.Services[0].AbsDir, want)
	}
	_, err = Parse("../x.yml", []byte("services: []\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "../x.yml:1:11: services: ") {
		t.Errorf("error %v does not start with the path as given", err)
	}
}

func mustWrite(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("services: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
