package gitsync

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

// pushWithGit commits in a clone of r with the git CLI, for what the Remote
// helpers cannot express: modes, symlinks, files turning into folders.
func pushWithGit(t *testing.T, r *testenv.Remote, change func(dir string)) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clone")
	testenv.RunGit(t, "", "clone", "-q", r.URL, dir)
	change(dir)
	testenv.RunGit(t, dir, "add", "--all")
	testenv.RunGit(t, dir, "commit", "-q", "-m", "modes")
	testenv.RunGit(t, dir, "push", "-q", "origin", "HEAD:master")
	return testenv.RunGit(t, dir, "rev-parse", "HEAD")
}

func TestIntegrationSyncModesAndLinks(t *testing.T) {
	r := testenv.NewRemote(t, map[string]string{"run.sh": "#!/bin/sh\n", "conf": "c\n", "doc.txt": "d\n"})
	dir := checkoutDir(t)
	req := Request{Remote: r.URL, Dir: dir, Reference: "master"}
	mustSync(t, req)

	next := pushWithGit(t, r, func(d string) {
		must(t, os.Chmod(filepath.Join(d, "run.sh"), 0o755))
		must(t, os.Symlink("doc.txt", filepath.Join(d, "link")))
		must(t, os.Remove(filepath.Join(d, "conf")))
		put(t, d, "conf/app.yaml", "a: 1\n") // a file becomes a folder
	})
	mustSync(t, req)
	assertAt(t, dir, next)
	if fi, err := os.Stat(filepath.Join(dir, "run.sh")); err != nil || fi.Mode().Perm()&0o100 == 0 {
		t.Errorf("run.sh mode = %v (%v), want executable", fi.Mode(), err)
	}
	if target, err := os.Readlink(filepath.Join(dir, "link")); err != nil || target != "doc.txt" {
		t.Errorf("link -> %q (%v), want doc.txt", target, err)
	}
	if got := readFile(t, dir, "conf/app.yaml"); got != "a: 1\n" {
		t.Errorf("conf/app.yaml = %q", got)
	}

	// Back again: the executable bit goes, the link and folder turn into files.
	first := gitOut(t, dir, "rev-parse", "HEAD~1")
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: first})
	assertAt(t, dir, first)
	if fi, err := os.Lstat(filepath.Join(dir, "run.sh")); err != nil || fi.Mode().Perm()&0o111 != 0 {
		t.Errorf("run.sh mode = %v (%v), want not executable", fi.Mode(), err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "link")); !os.IsNotExist(err) {
		t.Errorf("link still there: %v", err)
	}
	if got := readFile(t, dir, "conf"); got != "c\n" {
		t.Errorf("conf = %q", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestIntegrationSyncRefusesToWriteThroughSymlinks(t *testing.T) {
	r := testenv.NewRemote(t, map[string]string{"a.txt": "a\n"})
	dir := checkoutDir(t)
	req := Request{Remote: r.URL, Dir: dir, Reference: "master"}
	mustSync(t, req)

	outside := t.TempDir()
	must(t, os.Symlink(outside, filepath.Join(dir, "cache")))
	put(t, dir, ".git/info/exclude", "cache\n") // ignored, so not local work
	r.Commit(t, "master", map[string]string{"cache/evil.txt": "x\n"}, "write through the link")
	_, err := Sync(context.Background(), req)
	if err == nil || !strings.Contains(err.Error(), "beyond a symbolic link") {
		t.Fatalf("Sync error = %v, want a refusal to write beyond a symbolic link", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "evil.txt")); !os.IsNotExist(err) {
		t.Errorf("checkout wrote outside the worktree (%v)", err)
	}
}
