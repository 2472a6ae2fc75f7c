package app

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// onlyGit says whether dir holds its .git and nothing else.
func onlyGit(t *testing.T, dir string) bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries) == 1 && entries[0].Name() == ".git"
}

// TestIntegrationBuildNoCheckout: `build --depth 1 --no-checkout` on a
// fresh platform builds, tests and pushes a service from a checkout that
// holds only its .git; a sync without the flag writes the files, and the
// next build finds the image of the same inputs; git: {checkout: false}
// in the manifest keeps a new checkout without files too.
func TestIntegrationBuildNoCheckout(t *testing.T) {
	p := newPlatform(t, "svc")
	r := p.remotes["svc"]
	r.Commit(t, "master", map[string]string{"data.txt": "v1\n"}, "v1")
	tip := r.Commit(t, "master", map[string]string{"data.txt": "v2\n", "lib/util.txt": "u\n"}, "v2")
	dir := filepath.Join(p.root, "src", "svc")

	built := p.build(ExitOK, "--depth", "1", "--no-checkout")["svc"]
	if built.Action != report.ActionBuilt || built.Commit != tip {
		t.Fatalf("build --depth 1 --no-checkout = %+v, want built at %s", built, tip)
	}
	if d := p.remoteDigest(t, p.ref("svc", tip)); d == "" || d != built.Digest {
		t.Fatalf("the registry has %s at %q, want the built %s", p.ref("svc", tip), d, built.Digest)
	}
	if !onlyGit(t, dir) || !isShallow(t, dir) {
		t.Fatalf("the checkout after build --depth 1 --no-checkout holds files, or all history")
	}
	if got := testenv.RunGit(t, dir, "rev-parse", "HEAD"); got != tip {
		t.Errorf("HEAD = %s, want %s", got, tip)
	}
	if got := testenv.RunGit(t, dir, "status", "--porcelain"); got != "" {
		t.Errorf("git status of the checkout without files:\n%s", got)
	}

	if code, _, stderr := p.run(t.Context(), "sync"); code != ExitOK {
		t.Fatalf("sync: exit %d\n%s", code, stderr)
	}
	for name, want := range map[string]string{"data.txt": "v2\n", "lib/util.txt": "u\n", "README.md": "svc\n"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != want {
			t.Errorf("%s after sync = %q, %v; want %q", name, b, err, want)
		}
	}
	again := p.build(ExitOK)["svc"]
	if again.Action == report.ActionBuilt || again.Digest != built.Digest {
		t.Errorf("build with the files written = %+v, want the image of the same inputs, %s", again, built.Digest)
	}

	p.top = "git: {checkout: false}\n"
	p.writeManifest(nil)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := p.run(t.Context(), "sync"); code != ExitOK {
		t.Fatalf("sync with git: {checkout: false}: exit %d\n%s", code, stderr)
	}
	if !onlyGit(t, dir) {
		t.Error("sync with git: {checkout: false} wrote the files")
	}
}
