package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// symlinkedPlatform makes a platform folder whose src holds links: out
// leaves the folder, hooks leads into .git, backups into .x-platform, and
// inside and deeper stay within it.
func symlinkedPlatform(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	outside := t.TempDir()
	for _, d := range []string{".git/hooks", ".x-platform/backups", "src", "real/a"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"src/out":     outside,
		"src/hooks":   "../.git/hooks",
		"src/backups": "../.x-platform/backups",
		"src/inside":  "../real/a",
		"src/deeper":  "../real",
		"src/loop":    "loop",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func serviceWithDir(dir string) string {
	return "services:\n  a:\n    dir: " + dir + "\n" +
		"    git: {remote: r, reference: main}\n" +
		"    dockerBuilder: {image: b, workdir: /src}\n" +
		"    docker: {image: a}\n"
}

// TestLoadResolvesSymlinkedDirs checks that a service's dir is judged by
// where its links lead, not by how it is spelt.
func TestLoadResolvesSymlinkedDirs(t *testing.T) {
	root := symlinkedPlatform(t)
	tests := []struct {
		dir, want string
	}{
		{"src/out", "x.yml:3:10: services.a.dir: src/out leads to "},
		{"src/out/new/a", "outside the manifest's folder"},
		{"src/hooks", "src/hooks leads to .git/hooks, which git and x-platform keep"},
		{"src/backups/a", "leads to .x-platform/backups/a"},
		{"src/loop/a", "x.yml:3:10: services.a.dir: resolving the links of src/loop/a"},
		{"src/inside", ""},
		{"src/deeper/b", ""},
		{"src/new/a", ""},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			path := filepath.Join(root, "x.yml")
			if err := os.WriteFile(path, []byte(serviceWithDir(tt.dir)), 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := Load(path)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if m.Services[0].AbsDir != filepath.Join(root, tt.dir) {
					t.Errorf("AbsDir = %s, want it as written", m.Services[0].AbsDir)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestLoadComparesResolvedDirs checks that two services whose dirs are
// spelt apart but lead to one folder are told apart from a monorepo.
func TestLoadComparesResolvedDirs(t *testing.T) {
	root := symlinkedPlatform(t)
	data := serviceWithDir("src/inside") + "  b:\n    dir: real/a\n" +
		"    git: {remote: other, reference: main}\n" +
		"    dockerBuilder: {image: b, workdir: /src}\n" +
		"    docker: {image: b}\n"
	path := filepath.Join(root, "x.yml")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "x.yml:8:10: services.b.dir: same dir as service a") {
		t.Fatalf("Load error = %v, want the shared folder reported", err)
	}
}

// TestPinReadsNoLinks checks that Pin, which is given text and no folder,
// does not judge dirs by the links of whatever folder it runs in.
func TestPinReadsNoLinks(t *testing.T) {
	t.Chdir(symlinkedPlatform(t))
	out, err := Pin([]byte(serviceWithDir("src/out")), "a", "v2")
	if err != nil || !strings.Contains(string(out), "reference: v2") {
		t.Fatalf("Pin = %q, %v", out, err)
	}
}
