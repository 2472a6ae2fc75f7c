package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

func isShallow(t *testing.T, dir string) bool {
	t.Helper()
	return testenv.RunGit(t, dir, "rev-parse", "--is-shallow-repository") == "true"
}

func hasGitObject(dir, sha string) bool {
	cmd := exec.Command("git", "cat-file", "-e", sha)
	cmd.Dir = dir
	return cmd.Run() == nil
}

// TestIntegrationBuildDepth builds a monorepo service (git.path) from a
// depth-1 checkout, locks and pins it, and checks which of --depth,
// XP_DEPTH and git.depth decides.
func TestIntegrationBuildDepth(t *testing.T) {
	p := newPlatform(t, "svc")
	r := p.remotes["svc"]
	files := serviceFiles("svc")
	first := r.Commit(t, "master", map[string]string{"sub/Dockerfile": files["Dockerfile"], "sub/.gitignore": files[".gitignore"], "sub/data.txt": "v1\n"}, "sub v1")
	old := testenv.RunGit(t, r.Dir, "rev-parse", first+":sub/data.txt")
	tip := r.Commit(t, "master", map[string]string{"sub/data.txt": "v2\n"}, "sub v2")
	p.writeManifest(func(_ string, svc map[string]string) { svc["path"] = "sub" })
	dir := filepath.Join(p.root, "src", "svc")

	if res := p.build(ExitOK, "--depth", "1")["svc"]; res.Action != report.ActionBuilt || res.Commit != tip {
		t.Fatalf("build --depth 1 = %+v, want built at %s", res, tip)
	}
	if !isShallow(t, dir) || hasGitObject(dir, old) || hasGitObject(dir, first) {
		t.Fatalf("the checkout after build --depth 1 holds history before %s", tip)
	}
	if code, rep, stderr := p.run(t.Context(), "lock", "--depth", "1"); code != ExitOK || rep.Services[0].Commit != tip {
		t.Fatalf("lock on a shallow checkout: exit %d, %+v\n%s", code, rep.Services, stderr)
	}
	if !isShallow(t, dir) {
		t.Errorf("lock --depth 1 deepened the checkout")
	}
	// A commit below the boundary: pin deepens the checkout to tell it is
	// on the remote's master.
	if code, rep, stderr := p.run(t.Context(), "pin", "svc", first); code != ExitOK || rep.Services[0].Commit != first {
		t.Fatalf("pin of an older commit on a shallow checkout: exit %d, %+v\n%s", code, rep.Services, stderr)
	}
	if isShallow(t, dir) {
		t.Errorf("the checkout is still shallow after pin needed its history")
	}

	// Precedence: the manifest's default, then XP_DEPTH over it, then
	// --depth over both.
	p.top = "git: {depth: 1}\n"
	p.writeManifest(func(_ string, svc map[string]string) { svc["path"] = "sub" })
	sync := func(args ...string) {
		t.Helper()
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := p.run(t.Context(), append([]string{"sync"}, args...)...); code != ExitOK {
			t.Fatalf("sync %v: exit %d\n%s", args, code, stderr)
		}
	}
	sync()
	if !isShallow(t, dir) {
		t.Errorf("git: {depth: 1} in the manifest gave a full checkout")
	}
	t.Setenv("XP_DEPTH", "0")
	sync()
	if isShallow(t, dir) {
		t.Errorf("XP_DEPTH=0 did not override the manifest's depth")
	}
	sync("--depth", "1")
	if !isShallow(t, dir) {
		t.Errorf("--depth 1 did not override XP_DEPTH=0")
	}
	code, _, stderr := p.run(t.Context(), "sync", "--depth", "-1")
	if code != ExitUsage || !strings.Contains(stderr, "--depth (XP_DEPTH) must be") {
		t.Errorf("sync --depth -1: exit %d, stderr %q; want a usage error naming the setting", code, stderr)
	}
}
