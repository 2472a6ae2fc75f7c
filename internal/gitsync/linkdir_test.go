package gitsync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationSyncLinkReplacedByFolder replaces a tracked symbolic
// link with a folder of files, one of them ignored: Sync reports the
// folder's files as local work, --force saves them and puts the link back,
// and the syncs after that succeed.
func TestIntegrationSyncLinkReplacedByFolder(t *testing.T) {
	r := testenv.NewRemote(t, baseFiles)
	r.Link(t, "master", "current", "lib", "a link to lib")
	dir := checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"})
	next := r.Commit(t, "master", map[string]string{"a.txt": "a2\n"}, "upstream change")

	link := filepath.Join(dir, "current")
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	put(t, dir, "current/notes.txt", "mine\n")
	put(t, dir, "current/run.log", "ignored, but in the way\n")
	if got := gitOut(t, dir, "status", "--porcelain"); got == "" {
		t.Fatal("git status sees no change; the test needs the link replaced")
	}

	for i := 0; i < 2; i++ { // refused the same way each time, nothing lost
		_, err := Sync(context.Background(), Request{Remote: r.URL, Dir: dir, Reference: "master"})
		var lw *LocalWorkError
		if !errors.As(err, &lw) {
			t.Fatalf("Sync error = %v, want local work", err)
		}
		if !slices.Equal(lw.Changed, []string{"current"}) || !slices.Equal(lw.Untracked, []string{"current/notes.txt", "current/run.log"}) {
			t.Fatalf("local work = changed %q untracked %q, want the link and the folder's files", lw.Changed, lw.Untracked)
		}
		if got := readFile(t, dir, "current/notes.txt"); got != "mine\n" {
			t.Fatalf("current/notes.txt = %q after a refused sync", got)
		}
	}

	backups := t.TempDir()
	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Force: true, BackupDir: backups})
	if res.Commit != next || len(res.Saved) != 1 {
		t.Fatalf("forced Sync = %+v, want a move to %s saving the folder", res, next)
	}
	stamps, err := os.ReadDir(backups)
	if err != nil || len(stamps) != 1 {
		t.Fatalf("backups: %v %v, want one folder", stamps, err)
	}
	saved := filepath.Join(backups, stamps[0].Name())
	for name, content := range map[string]string{"current/notes.txt": "mine\n", "current/run.log": "ignored, but in the way\n"} {
		if got := readFile(t, saved, name); got != content {
			t.Errorf("backup of %s = %q, want %q", name, got, content)
		}
	}
	if target, err := os.Readlink(link); err != nil || target != "lib" {
		t.Errorf("current = %q, %v; want the link to lib back", target, err)
	}
	assertAt(t, dir, next)
	if got := gitOut(t, dir, "status", "--porcelain"); got != "" {
		t.Errorf("git status after the forced sync:\n%s", got)
	}
	if res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"}); res.Commit != next || res.Moved {
		t.Errorf("the next Sync = %+v, want a no-op at %s", res, next)
	}
}
