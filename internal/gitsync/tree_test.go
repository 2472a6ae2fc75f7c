package gitsync

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

func TestTreeHash(t *testing.T) {
	remote := testenv.NewRemote(t, map[string]string{"services/api/main.go": "api\n", "services/web/index.html": "web\n", "README.md": "r\n"})
	first := remote.Head(t, "master")
	docs := remote.Commit(t, "master", map[string]string{"README.md": "docs only\n"}, "docs")
	web := remote.Commit(t, "master", map[string]string{"services/web/index.html": "web 2\n"}, "web")
	dir := checkoutDir(t)
	mustSync(t, Request{Remote: remote.URL, Dir: dir, Reference: "master"})

	tree := func(commit, sub string) string {
		t.Helper()
		h, err := TreeHash(dir, commit, sub)
		if err != nil {
			t.Fatalf("TreeHash(%s, %q): %v", commit[:7], sub, err)
		}
		if want := gitOut(t, dir, "rev-parse", commit+":"+sub); h != want {
			t.Fatalf("TreeHash(%s, %q) = %s, git says %s", commit[:7], sub, h, want)
		}
		return h
	}
	if tree(first, "services/api") != tree(web, "services/api") {
		t.Error("api's tree changed with a web-only commit")
	}
	if tree(first, "services/web") == tree(web, "services/web") {
		t.Error("web's tree did not change with a web commit")
	}
	if tree(first, "") == tree(docs, "") {
		t.Error("root tree did not change with a docs commit")
	}
	if tree(first, "services/api/") != tree(first, "./services/api") {
		t.Error("path spelling changed the tree")
	}
	cache, err := os.ReadFile(filepath.Join(dir, ".git", treeCacheFile))
	if err != nil || !strings.Contains(string(cache), first+" services/api ") {
		t.Fatalf("tree cache = %q, %v", cache, err)
	}
	// A cached answer is served without the repository's objects.
	if h, err := TreeHash(dir, first, "services/api"); err != nil || h != tree(first, "services/api") {
		t.Fatalf("cached TreeHash = %s, %v", h, err)
	}
	if _, err := TreeHash(dir, first, "nope"); err == nil || !strings.Contains(err.Error(), "has no folder nope") {
		t.Fatalf("missing folder: %v", err)
	}
}
