package gitsync

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A file marked skip-worktree is still the user's file: git refuses a
// checkout that would overwrite its local edit, and so must Sync.
func TestIntegrationSyncGuardsSkipWorktreeEdits(t *testing.T) {
	r, dir, next := synced(t)
	gitOut(t, dir, "update-index", "--skip-worktree", "a.txt")
	put(t, dir, "a.txt", "local settings\n")

	_, err := Sync(context.Background(), Request{Remote: r.URL, Dir: dir, Reference: "master"})
	var lw *LocalWorkError
	if !errors.As(err, &lw) {
		t.Fatalf("Sync error = %v, want a *LocalWorkError", err)
	}
	assertLists(t, lw, &LocalWorkError{Changed: []string{"a.txt"}})
	if got := readFile(t, dir, "a.txt"); got != "local settings\n" {
		t.Fatalf("a.txt = %q after a refused sync", got)
	}

	backups := t.TempDir()
	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Force: true, BackupDir: backups})
	if res.Commit != next || len(res.Saved) != 1 {
		t.Fatalf("forced Sync = %+v, want a move to %s with one saved line", res, next)
	}
	assertAt(t, dir, next)
	if got := readFile(t, onlyBackup(t, backups), "a.txt"); got != "local settings\n" {
		t.Errorf("backup of a.txt = %q, want the local edit", got)
	}
}

// A skip-worktree file that is missing (a sparse checkout) or unchanged is
// not local work.
func TestIntegrationSyncSkipWorktreeUnchangedIsNotLocalWork(t *testing.T) {
	r, dir, next := synced(t)
	gitOut(t, dir, "update-index", "--skip-worktree", "b.txt", "lib/c.txt")
	if err := os.Remove(filepath.Join(dir, "lib/c.txt")); err != nil {
		t.Fatal(err)
	}
	if res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"}); res.Commit != next {
		t.Fatalf("Sync = %+v, want a move to %s", res, next)
	}
}

// --force saves both versions of a file whose staged content differs from
// its working copy; the staged one is only in the index and would be lost.
func TestIntegrationSyncForceSavesStagedVersion(t *testing.T) {
	r, dir, next := synced(t)
	put(t, dir, "b.txt", "staged\n")
	put(t, dir, "lib/new.txt", "new staged\n")
	gitOut(t, dir, "add", "b.txt", "lib/new.txt")
	put(t, dir, "b.txt", "working\n")
	if err := os.Remove(filepath.Join(dir, "lib/new.txt")); err != nil {
		t.Fatal(err)
	}

	backups := t.TempDir()
	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Force: true, BackupDir: backups})
	if res.Commit != next {
		t.Fatalf("Sync = %+v, want a move to %s", res, next)
	}
	saved := onlyBackup(t, backups)
	for name, content := range map[string]string{
		"b.txt":                      "working\n",
		"b.txt" + stagedSuffix:       "staged\n",
		"lib/new.txt" + stagedSuffix: "new staged\n",
	} {
		if got := readFile(t, saved, name); got != content {
			t.Errorf("backup of %s = %q, want %q", name, got, content)
		}
	}
	manifest := readFile(t, saved, "MANIFEST.txt")
	for _, line := range []string{"changed   b.txt", "staged    b.txt" + stagedSuffix, "deleted   lib/new.txt", "staged    lib/new.txt" + stagedSuffix} {
		if !strings.Contains(manifest, line) {
			t.Errorf("MANIFEST.txt lacks %q:\n%s", line, manifest)
		}
	}
}

// A backup that fails half-way leaves no folder that looks like a backup,
// and the checkout keeps all its files.
func TestIntegrationSyncFailedBackupLeavesNoPartialFolder(t *testing.T) {
	r, dir, _ := synced(t)
	put(t, dir, "a-first.txt", "saved before the failure\n")
	put(t, dir, "b.txt", "mine\n")
	// A socket cannot be opened for reading, so copying it fails.
	l, err := net.Listen("unix", filepath.Join(dir, "z.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	backups := t.TempDir()
	_, err = Sync(context.Background(), Request{Remote: r.URL, Dir: dir, Reference: "master", Force: true, BackupDir: backups})
	if err == nil {
		t.Fatal("Sync saved a socket; want an error")
	}
	entries, err := os.ReadDir(backups)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("backup folder holds %s after a failed backup", e.Name())
	}
	for name, content := range map[string]string{"a-first.txt": "saved before the failure\n", "b.txt": "mine\n"} {
		if got := readFile(t, dir, name); got != content {
			t.Errorf("%s = %q after a failed backup, want %q", name, got, content)
		}
	}
}

// onlyBackup returns the one backup folder under root.
func onlyBackup(t *testing.T, root string) string {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil || len(entries) != 1 {
		t.Fatalf("backups in %s: %v %v, want one folder", root, entries, err)
	}
	return filepath.Join(root, entries[0].Name())
}

// The checkout's own MANIFEST.txt is saved as it is; the backup's list
// takes another name.
func TestIntegrationSyncForceKeepsTheCheckoutsManifest(t *testing.T) {
	r, dir, _ := synced(t)
	put(t, dir, "MANIFEST.txt", "mine\n")
	backups := t.TempDir()
	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Force: true, BackupDir: backups})
	saved := onlyBackup(t, backups)
	if got := readFile(t, saved, "MANIFEST.txt"); got != "mine\n" {
		t.Errorf("backup of MANIFEST.txt = %q, want the checkout's", got)
	}
	if got := readFile(t, saved, "MANIFEST.x-platform.txt"); !strings.Contains(got, "untracked MANIFEST.txt") {
		t.Errorf("MANIFEST.x-platform.txt does not list MANIFEST.txt:\n%s", got)
	}
	if !strings.Contains(strings.Join(res.Saved, "\n"), "MANIFEST.x-platform.txt") {
		t.Errorf("Saved = %q, want it to name MANIFEST.x-platform.txt", res.Saved)
	}
}

// Two backups of one second get two folders; neither replaces the other.
func TestPublishAddsACounterToATakenStamp(t *testing.T) {
	root := t.TempDir()
	first := filepath.Join(root, "20260101T000000Z")
	if err := os.Mkdir(first, 0o755); err != nil {
		t.Fatal(err)
	}
	put(t, first, "MANIFEST.txt", "first\n")
	tmp, err := os.MkdirTemp(root, ".partial-")
	if err != nil {
		t.Fatal(err)
	}
	stamp, dst, err := publish(root, tmp, "20260101T000000Z", "MANIFEST.txt", func(stamp string) []byte { return []byte(stamp + "\n") })
	if err != nil {
		t.Fatal(err)
	}
	if stamp != "20260101T000000Z-1" || dst != filepath.Join(root, stamp) {
		t.Errorf("publish = %s %s, want the stamp with -1", stamp, dst)
	}
	if got := readFile(t, dst, "MANIFEST.txt"); got != stamp+"\n" {
		t.Errorf("new MANIFEST.txt = %q", got)
	}
	if got := readFile(t, first, "MANIFEST.txt"); got != "first\n" {
		t.Errorf("first backup's MANIFEST.txt = %q, want it untouched", got)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary folder %s remains (%v)", tmp, err)
	}
}

// Files removed from the index with git rm, kept on disk or not, are saved
// with --force like any change.
func TestIntegrationSyncForceSavesRemovedFiles(t *testing.T) {
	r, dir, next := synced(t)
	gitOut(t, dir, "rm", "-q", "b.txt")
	gitOut(t, dir, "rm", "-q", "--cached", "lib/c.txt")
	put(t, dir, "lib/c.txt", "kept on disk\n")

	backups := t.TempDir()
	if res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Force: true, BackupDir: backups}); res.Commit != next {
		t.Fatalf("Sync = %+v, want a move to %s", res, next)
	}
	assertAt(t, dir, next)
	saved := onlyBackup(t, backups)
	if got := readFile(t, saved, "lib/c.txt"); got != "kept on disk\n" {
		t.Errorf("backup of lib/c.txt = %q", got)
	}
	manifest := readFile(t, saved, "MANIFEST.txt")
	for _, line := range []string{"deleted   b.txt", "changed   lib/c.txt"} {
		if !strings.Contains(manifest, line) {
			t.Errorf("MANIFEST.txt lacks %q:\n%s", line, manifest)
		}
	}
}
