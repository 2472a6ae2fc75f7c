package lock

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
)

func TestWriteRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	want := &File{Registry: "r.example.com/x", Services: map[string]Entry{
		"zbackend":  {Reference: "origin/master", Commit: strings.Repeat("a", 40), Key: "k1", Image: image.Cut("r.example.com/x/zbackend:" + strings.Repeat("a", 40)), Digest: "sha256:" + strings.Repeat("1", 64)},
		"zfrontend": {Reference: "v1.2.3", Commit: strings.Repeat("b", 40), Key: "k2", Image: image.Cut("r.example.com/x/zfrontend:" + strings.Repeat("b", 40)), Digest: "sha256:" + strings.Repeat("2", 64)},
	}}
	if err := Write(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Read = %+v, want %+v", got, want)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "\n    image: r.example.com/x/zbackend:"+strings.Repeat("a", 40)+"\n") {
		t.Errorf("the lock file does not hold the image as its name:\n%s", data)
	}
	if !strings.HasPrefix(string(data), "# x-platform.lock") || strings.Index(string(data), "zbackend") > strings.Index(string(data), "zfrontend") {
		t.Fatalf("lock file:\n%s", data)
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(filepath.Join(dir, "missing.lock")); !errors.Is(err, ErrNoLock) {
		t.Fatalf("missing lock: %v", err)
	}
	bad := filepath.Join(dir, "bad.lock")
	os.WriteFile(bad, []byte("registry: r\nservices:\n  a: {commit: abc, digest: sha256:1}\n"), 0o644)
	if _, err := Read(bad); err == nil || !strings.Contains(err.Error(), "40-hex commit") {
		t.Fatalf("short commit: %v", err)
	}
	for what, entry := range map[string]string{
		"commit not hex":   "{commit: " + strings.Repeat("z", 40) + ", digest: sha256:" + strings.Repeat("1", 64) + "}",
		"commit uppercase": "{commit: " + strings.Repeat("A", 40) + ", digest: sha256:" + strings.Repeat("1", 64) + "}",
		"digest short":     "{commit: " + strings.Repeat("a", 40) + ", digest: sha256:1}",
		"digest path":      "{commit: " + strings.Repeat("a", 40) + ", digest: \"sha256:" + strings.Repeat("1", 60) + "/../\"}",
	} {
		os.WriteFile(bad, []byte("registry: r\nservices:\n  a: "+entry+"\n"), 0o644)
		if _, err := Read(bad); err == nil || !strings.Contains(err.Error(), "sha256:<64 hex> digest") {
			t.Errorf("%s: %v", what, err)
		}
	}
	unknown := filepath.Join(dir, "unknown.lock")
	os.WriteFile(unknown, []byte("registry: r\nextra: 1\n"), 0o644)
	if _, err := Read(unknown); err == nil || !strings.Contains(err.Error(), "extra") {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestCheck(t *testing.T) {
	f := &File{Registry: "r/x", Services: map[string]Entry{"a": {Reference: "master"}}}
	svc := func(name, ref string) *manifest.Service {
		return &manifest.Service{Name: name, Git: manifest.Git{Reference: ref}}
	}
	if err := f.Check("x-platform.lock", "r/x", []*manifest.Service{svc("a", "master")}); err != nil {
		t.Fatal(err)
	}
	err := f.Check("x-platform.lock", "r/y", []*manifest.Service{svc("a", "v2"), svc("b", "master")})
	var me *MismatchError
	if !errors.As(err, &me) || len(me.Problems) != 3 {
		t.Fatalf("Check = %v", err)
	}
	for _, want := range []string{"registry is r/y", "a references v2 in the manifest, master in the lock", "service b is not in the lock"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q misses %q", err, want)
		}
	}
}
