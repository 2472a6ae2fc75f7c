package gitsync

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationPrefetchThenSync lists a remote's branches and builds one
// on a fresh machine, as a preview does: the prefetch clones the checkout
// without files, and the listing and the Sync that follow ask the server
// nothing more — one ssh session in all, and one again for a later run in
// which the branch moved.
func TestIntegrationPrefetchThenSync(t *testing.T) {
	d := testenv.StartSSHD(t, testenv.LogSessions)
	sshEnv(t, testenv.SSHHome(t, d, "gitserver"))
	r := testenv.NewRemote(t, map[string]string{"a.txt": "a\n"})
	head := r.Commit(t, "feature/x", map[string]string{"a.txt": "x\n"}, "feature")
	url := d.URL("gitserver", r)
	dir := filepath.Join(t.TempDir(), "svc")

	ctx := WithRun(t.Context(), false)
	if err := Prefetch(ctx, Request{Remote: url, Dir: dir, Reference: "master"}); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != ".git" {
		t.Fatalf("after Prefetch %s holds %v (%v); want only .git", dir, entries, err)
	}
	refs, err := LsRemote(ctx, url)
	if err != nil || refs["refs/heads/feature/x"] != head {
		t.Fatalf("LsRemote after Prefetch = %v, %v; want feature/x at %s", refs, err, head)
	}
	res, err := Sync(ctx, Request{Remote: url, Dir: dir, Reference: "origin/feature/x"})
	if err != nil || res.Commit != head {
		t.Fatalf("Sync = %+v, %v; want %s", res, err, head)
	}
	if got := readFile(t, dir, "a.txt"); got != "x\n" {
		t.Fatalf("a.txt = %q after Sync, want the branch's", got)
	}
	if got := d.Sessions(t).Started[r.Dir]; got != 1 {
		t.Fatalf("prefetch, listing and sync opened %d sessions, want 1", got)
	}

	next := r.Commit(t, "feature/x", map[string]string{"a.txt": "y\n"}, "moves")
	d.ResetSessions(t)
	ctx = WithRun(t.Context(), false)
	if err := Prefetch(ctx, Request{Remote: url, Dir: dir, Reference: "master"}); err != nil {
		t.Fatal(err)
	}
	if res, err := Sync(ctx, Request{Remote: url, Dir: dir, Reference: "origin/feature/x"}); err != nil || res.Commit != next {
		t.Fatalf("Sync after the branch moved = %+v, %v; want %s", res, err, next)
	}
	if got := d.Sessions(t).Started[r.Dir]; got != 1 {
		t.Fatalf("a second run opened %d sessions, want 1", got)
	}
}

// TestIntegrationPrefetchAtDepth prefetches a fresh checkout at depth 1:
// every branch's tip and no older version, still one session with the
// Sync at that depth that follows, and the checkout stays shallow.
func TestIntegrationPrefetchAtDepth(t *testing.T) {
	d := testenv.StartSSHD(t, testenv.LogSessions)
	sshEnv(t, testenv.SSHHome(t, d, "gitserver"))
	r, commits, blobs := versionedRemote(t)
	other := r.Commit(t, "feature/y", map[string]string{"b.txt": "y\n"}, "feature")
	url := d.URL("gitserver", r)
	dir := filepath.Join(t.TempDir(), "svc")

	ctx := WithRun(t.Context(), false)
	if err := Prefetch(ctx, Request{Remote: url, Dir: dir, Reference: "master", Depth: 1}); err != nil {
		t.Fatal(err)
	}
	refs, err := LsRemote(ctx, url)
	if err != nil || refs["refs/heads/feature/y"] != other || refs["refs/heads/master"] != commits[3] {
		t.Fatalf("LsRemote after Prefetch = %v, %v", refs, err)
	}
	res, err := Sync(ctx, Request{Remote: url, Dir: dir, Reference: "origin/feature/y", Depth: 1})
	if err != nil || res.Commit != other {
		t.Fatalf("Sync = %+v, %v; want %s", res, err, other)
	}
	if got := d.Sessions(t).Started[r.Dir]; got != 1 {
		t.Fatalf("prefetch at depth, listing and sync opened %d sessions, want 1", got)
	}
	assertShallow(t, dir, true)
	for i, b := range blobs[:3] {
		if hasObject(dir, b) {
			t.Errorf("version %d of data.bin was fetched; depth 1 holds only each tip", i)
		}
	}

	// The listing of a later run with nothing moved is all it asks.
	d.ResetSessions(t)
	ctx = WithRun(t.Context(), false)
	if _, err := LsRemote(ctx, url); err != nil {
		t.Fatal(err)
	}
	if res, err := Sync(ctx, Request{Remote: url, Dir: dir, Reference: "master", Depth: 1}); err != nil || res.Commit != commits[3] {
		t.Fatalf("Sync of master = %+v, %v; want %s", res, err, commits[3])
	}
	if got := d.Sessions(t).Started[r.Dir]; got != 1 {
		t.Fatalf("a listing and a sync at depth of a listed tip opened %d sessions, want 1", got)
	}
}

// TestIntegrationShallowBranchGone syncs a branch at depth after the
// remote deleted it: an error naming the reference, never the commit the
// checkout fetched before.
func TestIntegrationShallowBranchGone(t *testing.T) {
	r, _, _ := versionedRemote(t)
	r.Commit(t, "gone", map[string]string{"g.txt": "g\n"}, "soon gone")
	dir := checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "gone", Depth: 1})
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1})
	gitOut(t, r.Dir, "branch", "-D", "gone")

	res, err := Sync(t.Context(), Request{Remote: r.URL, Dir: dir, Reference: "gone", Depth: 1})
	if err == nil || !strings.Contains(err.Error(), "gone") {
		t.Fatalf("Sync of a deleted branch at depth = %+v, %v; want an error naming it", res, err)
	}
	if out := gitOut(t, dir, "for-each-ref", "refs/remotes/origin/gone"); out != "" {
		t.Errorf("the deleted branch's remote-tracking ref is still there: %s", out)
	}
}

// TestIntegrationTwinsAtDepthAskOnce syncs one remote into two checkouts
// at depth 1 within a run, on a fresh machine and again after the branch
// moved: one session each time, the second checkout fetching from the
// first, and both shallow at the tip.
func TestIntegrationTwinsAtDepthAskOnce(t *testing.T) {
	d := testenv.StartSSHD(t, testenv.LogSessions)
	sshEnv(t, testenv.SSHHome(t, d, "gitserver"))
	r, commits, blobs := versionedRemote(t)
	url := d.URL("gitserver", r)
	one, two := filepath.Join(t.TempDir(), "one"), filepath.Join(t.TempDir(), "two")

	for round, want := range []string{commits[3], ""} {
		if round == 1 {
			want = r.Commit(t, "master", map[string]string{"data.bin": bigFile(7, 2<<20)}, "version 4")
			d.ResetSessions(t)
		}
		ctx := WithRun(t.Context(), false)
		for _, dir := range []string{one, two} {
			res, err := Sync(ctx, Request{Remote: url, Dir: dir, Reference: "master", Depth: 1})
			if err != nil || res.Commit != want {
				t.Fatalf("round %d: Sync(%s) = %+v, %v; want %s", round, dir, res, err, want)
			}
			assertShallow(t, dir, true)
			if hasObject(dir, blobs[2]) {
				t.Errorf("round %d: %s holds an older version of data.bin", round, dir)
			}
		}
		if got := d.Sessions(t).Started[r.Dir]; got != 1 {
			t.Fatalf("round %d: two checkouts at depth 1 opened %d sessions, want 1", round, got)
		}
	}
}
