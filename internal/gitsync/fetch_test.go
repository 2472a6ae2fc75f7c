package gitsync

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

func TestFetchLeavesTheCheckoutAndSyncUsesIt(t *testing.T) {
	r := testenv.NewRemote(t, map[string]string{"a.txt": "a\n"})
	dir := checkoutDir(t)
	req := Request{Remote: r.URL, Dir: dir, Reference: "origin/master"}

	if ok, err := Fetch(t.Context(), req); ok || err != nil {
		t.Fatalf("Fetch before any clone = %v, %v; want nothing done", ok, err)
	}
	first := mustSync(t, req)
	second := r.Commit(t, "master", map[string]string{"a.txt": "b\n"}, "second")

	if ok, err := Fetch(t.Context(), req); !ok || err != nil {
		t.Fatalf("Fetch = %v, %v", ok, err)
	}
	assertAt(t, dir, first.Commit)
	if got := readFile(t, dir, "a.txt"); got != "a\n" {
		t.Fatalf("Fetch changed the worktree: a.txt = %q", got)
	}
	if got := gitOut(t, dir, "rev-parse", "origin/master"); got != second {
		t.Fatalf("origin/master after Fetch = %s, want %s", got, second)
	}

	// With the remote gone, a Sync told it was fetched still gets there.
	if err := os.Rename(r.Dir, r.Dir+".gone"); err != nil {
		t.Fatal(err)
	}
	req.Fetched = true
	if res := mustSync(t, req); res.Commit != second {
		t.Fatalf("Sync after Fetch = %s, want %s", res.Commit, second)
	}
	assertAt(t, dir, second)
}

// A commit on a local tag only is not on the remote: a tag the user made
// proves nothing was pushed, so Sync refuses to move away from it.
func TestIntegrationSyncLocalTagIsNotPushed(t *testing.T) {
	r, dir, next := synced(t)
	commitLocal(t, dir, "tagged work")
	gitOut(t, dir, "tag", "mine")

	_, err := Sync(t.Context(), Request{Remote: r.URL, Dir: dir, Reference: "master"})
	var lw *LocalWorkError
	if !errors.As(err, &lw) {
		t.Fatalf("Sync error = %v, want a *LocalWorkError", err)
	}
	assertLists(t, lw, &LocalWorkError{Commits: []string{"tagged work"}})
	if got := gitOut(t, dir, "rev-parse", "HEAD"); got == next {
		t.Errorf("HEAD moved to %s despite an unpushed commit", got)
	}
}

// Fetching never moves a local tag the user pointed elsewhere, even when
// the remote has a tag of that name: the commit it keeps may exist nowhere
// else. Tags the user never touched follow the remote.
func TestIntegrationFetchKeepsLocalTags(t *testing.T) {
	r := testenv.NewRemote(t, map[string]string{"a.txt": "a\n"})
	first := r.Head(t, "master")
	r.Tag(t, "v1", first)
	r.Tag(t, "moving", first)
	dir := checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"})

	local := commitLocal(t, dir, "hotfix")
	gitOut(t, dir, "tag", "-f", "v1", local)
	gitOut(t, dir, "checkout", "-q", "--detach", first)
	second := r.Commit(t, "master", map[string]string{"a.txt": "b\n"}, "second")
	testenv.RunGit(t, r.Dir, "tag", "-f", "moving", second)
	r.Tag(t, "v2", second)

	var notes []string
	req := Request{Remote: r.URL, Dir: dir, Reference: "v1", Notes: func(m string) { notes = append(notes, m) }}
	if ok, err := Fetch(t.Context(), req); !ok || err != nil {
		t.Fatalf("Fetch = %v, %v", ok, err)
	}
	for tag, want := range map[string]string{"v1": local, "moving": second, "v2": second} {
		if got := gitOut(t, dir, "rev-parse", tag); got != want {
			t.Errorf("local tag %s = %s after Fetch, want %s", tag, got, want)
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "keeping local tag v1") {
		t.Errorf("Fetch did not say once that it kept the local tag v1; notes: %q", notes)
	}

	// A tag deleted on the remote leaves its remote-tracking ref.
	testenv.RunGit(t, r.Dir, "tag", "-d", "moving")
	if ok, err := Fetch(t.Context(), req); !ok || err != nil {
		t.Fatalf("second Fetch = %v, %v", ok, err)
	}
	if got := gitOut(t, dir, "for-each-ref", remoteTagPrefix+"moving"); got != "" {
		t.Errorf("the remote's deleted tag is still tracked: %s", got)
	}

	// The reference names the remote's tag, whatever the local one says.
	req.Fetched = true
	if res := mustSync(t, req); res.Commit != first {
		t.Errorf("Sync(v1) = %s, want the remote's v1 %s", res.Commit, first)
	}
	if got := gitOut(t, dir, "rev-parse", "v1"); got != local {
		t.Errorf("local tag v1 = %s after Sync, want %s", got, local)
	}
}
