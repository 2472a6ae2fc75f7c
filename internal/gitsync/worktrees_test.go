package gitsync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIntegrationSyncLinkedWorktree syncs a linked worktree (`git worktree
// add`) of a checkout: its origin and history are the main repository's,
// so it moves like any checkout, its local work is guarded, the main
// checkout stays where it was, and a branch another worktree has checked
// out is neither its work nor deleted by --force.
func TestIntegrationSyncLinkedWorktree(t *testing.T) {
	r, main, next := synced(t)
	before := gitOut(t, main, "rev-parse", "HEAD")
	wt := filepath.Join(t.TempDir(), "wt")
	gitOut(t, main, "worktree", "add", "--quiet", "--detach", wt, "HEAD")

	if ok, err := Fetch(context.Background(), Request{Remote: r.URL, Dir: wt, Reference: "master"}); err != nil || !ok {
		t.Fatalf("Fetch in the linked worktree = %v, %v", ok, err)
	}
	res := mustSync(t, Request{Remote: r.URL, Dir: wt, Reference: "master", Fetched: true})
	if res.Commit != next || !res.Moved {
		t.Fatalf("Sync of the linked worktree = %+v, want a move to %s", res, next)
	}
	assertAt(t, wt, next)
	if got := readFile(t, wt, "new.txt"); got != "n\n" {
		t.Errorf("new.txt = %q in the linked worktree", got)
	}
	if got := gitOut(t, main, "rev-parse", "HEAD"); got != before {
		t.Errorf("the main checkout moved to %s", got)
	}
	if got := gitOut(t, main, "status", "--porcelain"); got != "" {
		t.Errorf("the main checkout changed:\n%s", got)
	}
	for _, read := range []func() error{
		func() error { _, err := Resolve(wt, "HEAD"); return err },
		func() error { _, err := TreeHash(wt, next, "lib"); return err },
		func() error { _, err := TreeFile(wt, next, "", "a.txt"); return err },
	} {
		if err := read(); err != nil {
			t.Errorf("reading the linked worktree: %v", err)
		}
	}

	// Its local work is guarded like a checkout's.
	put(t, wt, "b.txt", "mine\n")
	next = r.Commit(t, "master", map[string]string{"a.txt": "a3\n"}, "again")
	_, err := Sync(context.Background(), Request{Remote: r.URL, Dir: wt, Reference: "master"})
	var lw *LocalWorkError
	if !errors.As(err, &lw) || len(lw.Changed) != 1 || lw.Changed[0] != "b.txt" {
		t.Fatalf("Sync with an edit in the linked worktree = %v, want local work b.txt", err)
	}
	put(t, wt, "b.txt", "b\n")

	// A branch with unpushed commits checked out in another worktree
	// belongs to that worktree.
	topic := filepath.Join(t.TempDir(), "topic")
	gitOut(t, main, "worktree", "add", "--quiet", "-b", "topic", topic, "HEAD")
	put(t, topic, "t.txt", "t\n")
	gitOut(t, topic, "add", "t.txt")
	gitOut(t, topic, "commit", "-q", "-m", "topic work")
	tip := gitOut(t, topic, "rev-parse", "HEAD")
	res = mustSync(t, Request{Remote: r.URL, Dir: main, Reference: "master", Force: true, BackupDir: t.TempDir()})
	if res.Commit != next || len(res.Saved) != 0 {
		t.Fatalf("forced Sync of the main checkout = %+v, want a move to %s saving nothing", res, next)
	}
	if got := gitOut(t, main, "rev-parse", "--verify", "refs/heads/topic"); got != tip {
		t.Errorf("branch topic = %s, want %s kept for its worktree", got, tip)
	}
	if got := gitOut(t, topic, "status", "--porcelain"); got != "" {
		t.Errorf("the topic worktree changed:\n%s", got)
	}
}

// TestIntegrationSyncRefusesSparseCheckouts makes checkouts sparse with
// `git sparse-checkout set` and with the older core.sparseCheckout: Sync
// refuses both, saying what to run, without touching them, and syncs once
// that was run.
func TestIntegrationSyncRefusesSparseCheckouts(t *testing.T) {
	// gone is a file the sparse checkout leaves out.
	modes := map[string]struct {
		gone     string
		sparsify func(t *testing.T, dir string)
	}{
		"sparse-checkout set": {"lib/c.txt", func(t *testing.T, dir string) {
			gitOut(t, dir, "sparse-checkout", "set", "docs")
		}},
		"core.sparseCheckout": {"a.txt", func(t *testing.T, dir string) {
			gitOut(t, dir, "config", "core.sparseCheckout", "true")
			put(t, dir, ".git/info/sparse-checkout", "/lib/\n")
			gitOut(t, dir, "read-tree", "-mu", "HEAD")
		}},
	}
	for name, mode := range modes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, dir, next := synced(t)
			before := gitOut(t, dir, "rev-parse", "HEAD")
			mode.sparsify(t, dir)
			if _, err := os.Stat(filepath.Join(dir, mode.gone)); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("%s is still there (%v); the test needs a sparse checkout", mode.gone, err)
			}
			for _, sync := range []func() error{
				func() error {
					_, err := Fetch(context.Background(), Request{Remote: r.URL, Dir: dir, Reference: "master"})
					return err
				},
				func() error {
					_, err := Sync(context.Background(), Request{Remote: r.URL, Dir: dir, Reference: "master"})
					return err
				},
				func() error {
					_, err := Sync(context.Background(), Request{Remote: r.URL, Dir: dir, Reference: "master", Force: true, BackupDir: t.TempDir()})
					return err
				},
			} {
				err := sync()
				if !errors.Is(err, ErrSparse) || !strings.Contains(err.Error(), "sparse-checkout disable") {
					t.Fatalf("error = %v, want a refusal saying to run git sparse-checkout disable", err)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, mode.gone)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s was written into the sparse checkout (%v)", mode.gone, err)
			}
			if got := gitOut(t, dir, "rev-parse", "HEAD"); got != before {
				t.Errorf("HEAD moved to %s", got)
			}

			// What the message says to run.
			_, err := Sync(context.Background(), Request{Remote: r.URL, Dir: dir, Reference: "master"})
			_, fix, _ := strings.Cut(err.Error(), "run `")
			fix, _, _ = strings.Cut(fix, "`")
			for _, cmd := range strings.Split(fix, " && ") {
				args := strings.Fields(cmd)
				if len(args) < 4 || args[0] != "git" || args[1] != "-C" || args[2] != dir {
					t.Fatalf("the message says to run %q", cmd)
				}
				gitOut(t, dir, args[3:]...)
			}
			mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"})
			assertAt(t, dir, next)
			for name, content := range map[string]string{"a.txt": "a2\n", "lib/c.txt": "c\n"} {
				if got := readFile(t, dir, name); got != content {
					t.Errorf("%s = %q after the sparse checkout was disabled", name, got)
				}
			}
		})
	}
}
