package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// Link commits a symbolic link at name (a repository path) pointing to
// target on branch, in place of whatever name was, pushes it and returns
// the new commit's SHA. The target need not exist.
func (r *Remote) Link(t testing.TB, branch, name, target, msg string) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checkout(t, branch)
	p := filepath.Join(r.scratch, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(p); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
	return r.commitAndPush(t, branch, msg)
}

// Gitlink commits a submodule entry at name pointing to commit sha of
// another repository on branch, as `git submodule add` records it, pushes
// it and returns the new commit's SHA.
func (r *Remote) Gitlink(t testing.TB, branch, name, sha, msg string) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checkout(t, branch)
	RunGit(t, r.scratch, "update-index", "--add", "--cacheinfo", "160000,"+sha+","+name)
	// Not commitAndPush: `git add --all` drops a gitlink whose folder is
	// missing.
	RunGit(t, r.scratch, "commit", "--quiet", "-m", msg)
	RunGit(t, r.scratch, "push", "--quiet", "origin", "HEAD:refs/heads/"+branch)
	return RunGit(t, r.scratch, "rev-parse", "HEAD")
}
