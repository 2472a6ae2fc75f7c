package gitsync

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

// noCheckoutRemote is a remote whose tree has nested folders and a link,
// as builds read them.
func noCheckoutRemote(t *testing.T) *testenv.Remote {
	t.Helper()
	r := testenv.NewRemote(t, map[string]string{"a.txt": "a\n", "lib/c.txt": "c\n", "Dockerfile": "FROM scratch\n", "bin/run.sh": "#!/bin/sh\n"})
	r.Link(t, "master", "link", "a.txt", "a link")
	return r
}

// noFilesMark reads x-platform.checkout in dir's git config, and whether
// it is set.
func noFilesMark(dir string) (string, bool) {
	cmd := exec.Command("git", "config", "x-platform.checkout")
	cmd.Dir = dir
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err == nil
}

// assertNoFiles checks that dir holds its .git and nothing else, that
// HEAD is at sha, that git finds it clean and that it says it was made
// without files.
func assertNoFiles(t *testing.T, dir, sha string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	fatalIf(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{".git"}) {
		t.Errorf("%s holds %v, want only .git", dir, names)
	}
	assertAt(t, dir, sha)
	if got := gitOut(t, dir, "status", "--porcelain"); got != "" {
		t.Errorf("git status of a checkout without files:\n%s", got)
	}
	if got, ok := noFilesMark(dir); got != "false" || !ok {
		t.Errorf("x-platform.checkout = %q (set: %v), want false", got, ok)
	}
}

// TestIntegrationNoCheckoutClone: a clone without files holds only its .git
// at the commit, builds read the same inputs from it as from a checkout
// with files, a later sync without files moves it, and a sync that wants
// files writes them and drops the mark.
func TestIntegrationNoCheckoutClone(t *testing.T) {
	r := noCheckoutRemote(t)
	head := r.Head(t, "master")
	dir, full := checkoutDir(t), checkoutDir(t)
	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", NoCheckout: true})
	if res.Commit != head || !res.Cloned || !res.Moved {
		t.Fatalf("Sync = %+v, want a clone at %s", res, head)
	}
	assertNoFiles(t, dir, head)
	mustSync(t, Request{Remote: r.URL, Dir: full, Reference: "master"})

	for _, sub := range []string{"", "lib"} {
		want, err := TreeHash(full, head, sub)
		fatalIf(t, err)
		if got, err := TreeHash(dir, head, sub); err != nil || got != want {
			t.Errorf("TreeHash(%q) = %s, %v; want %s as in a checkout with files", sub, got, err, want)
		}
	}
	want, err := TreeFile(full, head, "", "Dockerfile")
	fatalIf(t, err)
	if got, err := TreeFile(dir, head, "", "Dockerfile"); err != nil || string(got) != string(want) {
		t.Errorf("TreeFile = %q, %v; want %q", got, err, want)
	}
	wantTree, _ := served(t, mustTreeFS(t, full, head, "", TreeFSOptions{}), "", TreeFSOptions{})
	gotTree, _ := served(t, mustTreeFS(t, dir, head, "", TreeFSOptions{}), "", TreeFSOptions{})
	if len(wantTree) < 6 || !slices.Equal(gotTree, wantTree) {
		t.Errorf("TreeFS serves %v\nwant %v", gotTree, wantTree)
	}

	// Without files it stays so as the branch moves, files removed included.
	r.Commit(t, "master", map[string]string{"b.txt": "b\n"}, "b")
	next := r.Remove(t, "master", []string{"lib/c.txt"}, "no c")
	if res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", NoCheckout: true}); res.Commit != next || !res.Moved {
		t.Fatalf("second Sync = %+v, want a move to %s", res, next)
	}
	assertNoFiles(t, dir, next)
	if res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", NoCheckout: true}); res.Moved {
		t.Errorf("third Sync = %+v, want a no-op", res)
	}
	assertNoFiles(t, dir, next)

	// A sync that wants files writes them, at an unchanged commit too.
	if res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"}); res.Moved || res.Commit != next {
		t.Errorf("Sync with files = %+v, want %s unmoved", res, next)
	}
	assertAt(t, dir, next)
	if got := gitOut(t, dir, "status", "--porcelain", "--ignored"); got != "" {
		t.Errorf("git status after writing the files:\n%s", got)
	}
	for name, content := range map[string]string{"a.txt": "a\n", "b.txt": "b\n", "Dockerfile": "FROM scratch\n", "bin/run.sh": "#!/bin/sh\n"} {
		if got := readFile(t, dir, name); got != content {
			t.Errorf("%s = %q, want %q", name, got, content)
		}
	}
	if target, err := os.Readlink(filepath.Join(dir, "link")); err != nil || target != "a.txt" {
		t.Errorf("link -> %q, %v; want a.txt", target, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "lib/c.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lib/c.txt, removed upstream, was written: %v", err)
	}
	if got, ok := noFilesMark(dir); ok {
		t.Errorf("x-platform.checkout is still set (%s) once the files are written", got)
	}

	// A checkout with files keeps them when asked for none.
	last := r.Commit(t, "master", map[string]string{"a.txt": "a2\n"}, "a2")
	if res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", NoCheckout: true}); res.Commit != last || !res.Moved {
		t.Fatalf("Sync = %+v, want a move to %s", res, last)
	}
	assertAt(t, dir, last)
	if got := readFile(t, dir, "a.txt"); got != "a2\n" {
		t.Errorf("a.txt = %q, want the new commit's", got)
	}
}

// TestIntegrationNoCheckoutLocalWork: files written into a checkout
// without files are local work — refused, saved with Force — while a file
// that is exactly the commit's is not; the missing files never are.
func TestIntegrationNoCheckoutLocalWork(t *testing.T) {
	r := noCheckoutRemote(t)
	dir := checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", NoCheckout: true})
	next := r.Commit(t, "master", map[string]string{"a.txt": "a2\n"}, "a2")
	put(t, dir, "lib/c.txt", "mine\n")          // a tracked path, other content
	put(t, dir, "notes.txt", "idea\n")          // untracked
	put(t, dir, "Dockerfile", "FROM scratch\n") // the commit's own content

	for _, noCheckout := range []bool{true, false} {
		_, err := Sync(t.Context(), Request{Remote: r.URL, Dir: dir, Reference: "master", NoCheckout: noCheckout})
		var lw *LocalWorkError
		if !errors.As(err, &lw) || !slices.Equal(lw.Changed, []string{"lib/c.txt"}) || !slices.Equal(lw.Untracked, []string{"notes.txt"}) {
			t.Fatalf("Sync(NoCheckout=%v) = %v, want local work lib/c.txt and notes.txt", noCheckout, err)
		}
	}
	if got := readFile(t, dir, "lib/c.txt") + readFile(t, dir, "notes.txt"); got != "mine\nidea\n" {
		t.Fatalf("a refused sync changed the user's files: %q", got)
	}

	backups := filepath.Join(t.TempDir(), "backups")
	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", NoCheckout: true, Force: true, BackupDir: backups})
	if res.Commit != next || len(res.Saved) == 0 {
		t.Fatalf("forced Sync = %+v, want a move to %s that saved work", res, next)
	}
	assertNoFiles(t, dir, next)
	stamps, err := os.ReadDir(backups)
	if err != nil || len(stamps) != 1 {
		t.Fatalf("backups: %v %v, want one folder", stamps, err)
	}
	saved := filepath.Join(backups, stamps[0].Name())
	for name, content := range map[string]string{"lib/c.txt": "mine\n", "notes.txt": "idea\n"} {
		if got := readFile(t, saved, name); got != content {
			t.Errorf("backup of %s = %q, want %q", name, got, content)
		}
	}
	if m := readFile(t, saved, "MANIFEST.txt"); strings.Contains(m, "\ndeleted ") {
		t.Errorf("the files never written were saved as deleted:\n%s", m)
	}
}

// TestIntegrationNoCheckoutShallow: at depth 1 a checkout without files is
// its .git alone, about the size of the one version of the tree it holds.
func TestIntegrationNoCheckoutShallow(t *testing.T) {
	r, commits, blobs := versionedRemote(t)
	dir := checkoutDir(t)
	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1, NoCheckout: true})
	if res.Commit != commits[3] {
		t.Fatalf("Sync = %+v, want %s", res, commits[3])
	}
	assertNoFiles(t, dir, commits[3])
	assertShallow(t, dir, true)
	if !hasObject(dir, blobs[3]) || hasObject(dir, blobs[2]) {
		t.Errorf("objects: newest blob %v, older blob %v; want only the newest", hasObject(dir, blobs[3]), hasObject(dir, blobs[2]))
	}
	const tree = 2 << 20
	if size := dirSize(t, dir); size > tree*12/10 {
		t.Errorf("the checkout takes %d bytes, more than 1.2x its tree's %d", size, tree)
	}
	b, err := TreeFile(dir, commits[3], "", "data.bin")
	if err != nil || string(b) != bigFile(3, 2<<20) {
		t.Errorf("TreeFile(data.bin): %d bytes, %v; want the newest version", len(b), err)
	}

	// Writing the files out still needs no more history.
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1})
	assertAt(t, dir, commits[3])
	assertShallow(t, dir, true)
	if got := readFile(t, dir, "data.bin"); got != bigFile(3, 2<<20) {
		t.Error("data.bin is not the newest version once written")
	}
}

// TestIntegrationNoCheckoutRepairsUnreadableIndex: an index cut short in a
// checkout without files is rebuilt as one without files, so the files
// never written are not taken for deletions.
func TestIntegrationNoCheckoutRepairsUnreadableIndex(t *testing.T) {
	r := noCheckoutRemote(t)
	req := Request{Remote: r.URL, Dir: checkoutDir(t), Reference: "master", NoCheckout: true}
	mustSync(t, req)
	next := r.Commit(t, "master", map[string]string{"a.txt": "a2\n"}, "a2")
	idx := filepath.Join(req.Dir, ".git", "index")
	data, err := os.ReadFile(idx)
	fatalIf(t, err)
	fatalIf(t, os.WriteFile(idx, data[:len(data)/2], 0o644))
	if res := mustSync(t, req); res.Commit != next || len(res.Saved) != 0 {
		t.Fatalf("Sync with a broken index = %+v, want a move to %s", res, next)
	}
	assertNoFiles(t, req.Dir, next)
}
