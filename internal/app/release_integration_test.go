package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

func TestIntegrationPlanChangesNothing(t *testing.T) {
	p := newPlatform(t, "a", "b")
	plan := func() map[string]report.ServiceResult {
		t.Helper()
		code, r, stderr := p.run(t.Context(), "plan")
		if code != ExitOK {
			t.Fatalf("plan: exit %d\n%s", code, stderr)
		}
		return byService(r)
	}
	got := plan()
	for _, n := range []string{"a", "b"} {
		if got[n].Action != report.ActionBuilt || !strings.Contains(got[n].Reason, "clone at") || got[n].Commit != p.remotes[n].Head(t, "master") {
			t.Fatalf("plan before anything: %s = %+v", n, got[n])
		}
	}
	if _, err := os.Stat(filepath.Join(p.root, "src")); !os.IsNotExist(err) {
		t.Fatalf("plan created checkouts: %v", err)
	}

	p.build(ExitOK)
	old := p.remotes["a"].Head(t, "master")
	next := p.remotes["a"].Commit(t, "master", map[string]string{"new.txt": "x\n"}, "new")
	got = plan()
	if got["b"].Action != report.ActionPresent || got["a"].Action != report.ActionBuilt || !strings.Contains(got["a"].Reason, "moves "+old[:12]+" → "+next[:12]) {
		t.Fatalf("plan after a commit = %+v", got)
	}
	if head := testenv.RunGit(t, filepath.Join(p.root, "src/a"), "rev-parse", "HEAD"); head != old {
		t.Fatalf("plan moved the checkout to %s", head)
	}
	if _, err := image.NewRegistry().Digest(t.Context(), image.Cut(p.ref("a", next))); err == nil {
		t.Fatal("plan pushed an image")
	}
}

func TestIntegrationLockAndLockedBuild(t *testing.T) {
	p := newPlatform(t, "a", "b")
	built := p.build(ExitOK)

	// A commit that is not built yet cannot be locked.
	p.remotes["a"].Commit(t, "master", map[string]string{"code.txt": "new\n"}, "unbuilt")
	code, r, stderr := p.run(t.Context(), "lock")
	if code != ExitFailed || !strings.Contains(byService(r)["a"].Error, "run x-platform build --services a") {
		t.Fatalf("lock of an unbuilt commit: exit %d %+v\n%s", code, r.Services, stderr)
	}
	if _, err := os.Stat(filepath.Join(p.root, lock.FileName)); !os.IsNotExist(err) {
		t.Fatal("a failed lock wrote the file")
	}

	built = p.build(ExitOK)
	if code, _, stderr := p.run(t.Context(), "lock"); code != ExitOK {
		t.Fatalf("lock: exit %d\n%s", code, stderr)
	}
	f, err := lock.Read(filepath.Join(p.root, lock.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		e := f.Services[n]
		if e.Commit != built[n].Commit || e.Digest != built[n].Digest || e.Key != built[n].Key || e.Reference != "origin/master" {
			t.Fatalf("lock entry %s = %+v, build said %+v", n, e, built[n])
		}
	}

	// The branch moves on, the engine is wiped: --locked takes exactly the
	// lock, found in the registry by digest; --pull brings it into the engine.
	p.remotes["b"].Commit(t, "master", map[string]string{"later.txt": "x\n"}, "later")
	p.removeImages()
	found := p.build(ExitOK, "--locked")
	for _, n := range []string{"a", "b"} {
		if found[n].Action != report.ActionFound || found[n].Digest != f.Services[n].Digest {
			t.Fatalf("--locked %s on a wiped engine = %+v, lock %+v", n, found[n], f.Services[n])
		}
		if _, err := p.docker.ImageInspect(t.Context(), found[n].Image); err == nil {
			t.Fatalf("--locked pulled %s", found[n].Image)
		}
	}
	locked := p.build(ExitOK, "--locked", "--pull")
	for _, n := range []string{"a", "b"} {
		if locked[n].Action != report.ActionPulled || locked[n].Digest != f.Services[n].Digest || locked[n].Commit != f.Services[n].Commit {
			t.Fatalf("--locked --pull %s = %+v, lock %+v", n, locked[n], f.Services[n])
		}
		info := testenv.RunGit(t, filepath.Join(p.root, "src", n), "rev-parse", "HEAD")
		if info != f.Services[n].Commit {
			t.Fatalf("%s checkout at %s, locked %s", n, info, f.Services[n].Commit)
		}
	}
	if again := p.build(ExitOK, "--locked"); again["a"].Action != report.ActionPresent {
		t.Fatalf("second --locked = %+v", again["a"])
	}

	// A manifest that moved away from the lock is refused.
	p.writeManifest(func(name string, svc map[string]string) {
		if name == "a" {
			svc["reference"] = f.Services["a"].Commit
		}
	})
	code, _, stderr = p.run(t.Context(), "build", "--locked")
	if code != ExitUsage || !strings.Contains(stderr, "disagree") || !strings.Contains(stderr, "a references") {
		t.Fatalf("--locked with a changed manifest: exit %d\n%s", code, stderr)
	}
}

func byService(r report.Report) map[string]report.ServiceResult {
	out := map[string]report.ServiceResult{}
	for _, s := range r.Services {
		out[s.Name] = s
	}
	return out
}
