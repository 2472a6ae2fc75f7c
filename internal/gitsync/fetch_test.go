package gitsync

import (
	"os"
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
