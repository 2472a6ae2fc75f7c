package gitsync

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// run runs a command of the machine (cp, tar) in dir.
func run(t *testing.T, dir string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// TestIntegrationSyncSeesEditsThatKeepSizeAndTime replaces a tracked
// file with content of the same size and modification time, as `cp -p`
// and `tar x` do: git status shows the edit, so Sync must take it for
// local work, refuse without --force and save it with it.
func TestIntegrationSyncSeesEditsThatKeepSizeAndTime(t *testing.T) {
	edits := map[string]func(t *testing.T, dir, edited string){
		"cp -p": func(t *testing.T, dir, edited string) {
			run(t, dir, "cp", "-p", edited, filepath.Join(dir, "b.txt"))
		},
		"tar x": func(t *testing.T, dir, edited string) {
			tmp := t.TempDir()
			run(t, tmp, "cp", "-p", edited, filepath.Join(tmp, "b.txt"))
			run(t, tmp, "tar", "--format=posix", "-cf", "edit.tar", "b.txt")
			run(t, dir, "tar", "-xf", filepath.Join(tmp, "edit.tar"))
		},
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, dir, next := synced(t)
			before := gitOut(t, dir, "rev-parse", "HEAD")
			orig, err := os.Stat(filepath.Join(dir, "b.txt"))
			if err != nil {
				t.Fatal(err)
			}
			edited := filepath.Join(t.TempDir(), "b.txt")
			put(t, filepath.Dir(edited), "b.txt", "B\n") // same size as "b\n"
			if err := os.Chtimes(edited, orig.ModTime(), orig.ModTime()); err != nil {
				t.Fatal(err)
			}
			edit(t, dir, edited)
			now, err := os.Stat(filepath.Join(dir, "b.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if now.Size() != orig.Size() || !now.ModTime().Equal(orig.ModTime()) {
				t.Fatalf("the edit changed size or mtime (%d %s → %d %s); the test needs both kept",
					orig.Size(), orig.ModTime(), now.Size(), now.ModTime())
			}
			if got := gitOut(t, dir, "status", "--porcelain", "--untracked-files=no"); got != "M b.txt" {
				t.Fatalf("git status = %q, want git itself to see b.txt modified", got)
			}

			_, err = Sync(context.Background(), Request{Remote: r.URL, Dir: dir, Reference: "master"})
			var lw *LocalWorkError
			if !errors.As(err, &lw) || len(lw.Changed) != 1 || lw.Changed[0] != "b.txt" {
				t.Fatalf("Sync error = %v, want local work listing b.txt", err)
			}
			if got := readFile(t, dir, "b.txt"); got != "B\n" {
				t.Errorf("b.txt = %q after a refused sync, want the edit kept", got)
			}
			if got := gitOut(t, dir, "rev-parse", "HEAD"); got != before {
				t.Errorf("HEAD moved to %s despite local work", got)
			}

			backups := t.TempDir()
			res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Force: true, BackupDir: backups})
			if res.Commit != next || len(res.Saved) != 1 {
				t.Fatalf("forced Sync = %+v, want a move to %s saving the edit", res, next)
			}
			stamps, err := os.ReadDir(backups)
			if err != nil || len(stamps) != 1 {
				t.Fatalf("backups: %v %v, want one folder", stamps, err)
			}
			if got := readFile(t, filepath.Join(backups, stamps[0].Name()), "b.txt"); got != "B\n" {
				t.Errorf("backup of b.txt = %q, want the edit", got)
			}
			assertAt(t, dir, next)
		})
	}
}

// TestIntegrationSyncRefusesWhileGitHoldsTheIndex holds index.lock as a
// running git command does: Sync must refuse, saying so, and leave the
// files, HEAD, the index and the lock as they were.
func TestIntegrationSyncRefusesWhileGitHoldsTheIndex(t *testing.T) {
	r, dir, next := synced(t)
	before := gitOut(t, dir, "rev-parse", "HEAD")
	lock := filepath.Join(dir, ".git", "index.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	idx, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}

	_, err = Sync(context.Background(), Request{Remote: r.URL, Dir: dir, Reference: "master"})
	if !errors.Is(err, ErrIndexLocked) || !strings.Contains(err.Error(), "another git process is running") || !strings.Contains(err.Error(), lock) {
		t.Fatalf("Sync error = %v, want it to say another git process holds %s", err, lock)
	}
	if _, err := os.Stat(lock); err != nil {
		t.Errorf("the lock of the other process is gone: %v", err)
	}
	after, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil || string(after) != string(idx) {
		t.Errorf("the index changed while another process held it (%v)", err)
	}
	if got := gitOut(t, dir, "rev-parse", "HEAD"); got != before {
		t.Errorf("HEAD moved to %s while the index was locked", got)
	}
	for name, content := range baseFiles {
		if got := readFile(t, dir, name); got != content {
			t.Errorf("%s = %q, want %q untouched", name, got, content)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "new.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("new.txt was written while the index was locked (%v)", err)
	}

	// The other process done, the next sync goes through.
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	if res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"}); res.Commit != next {
		t.Fatalf("Sync after the lock went = %+v, want %s", res, next)
	}
	assertAt(t, dir, next)
	if _, err := os.Stat(lock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Sync left %s behind (%v)", lock, err)
	}
}

// TestIntegrationSyncTakesOverItsOwnLeftoverIndexLock leaves index.lock as
// a run killed mid-checkout does: the next Sync takes it over and
// finishes. A lock git made after that run's leftover was removed by hand
// is git's, and Sync refuses it.
func TestIntegrationSyncTakesOverItsOwnLeftoverIndexLock(t *testing.T) {
	r, dir, next := synced(t)
	dotGit := filepath.Join(dir, ".git")
	if _, err := lockIndex(dotGit); err != nil { // never released: the run was killed
		t.Fatal(err)
	}
	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"})
	if res.Commit != next {
		t.Fatalf("Sync after a killed run = %+v, want %s", res, next)
	}
	assertAt(t, dir, next)
	for _, name := range []string{"index.lock", lockOwnerFile} {
		if _, err := os.Stat(filepath.Join(dotGit, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind (%v)", name, err)
		}
	}

	if _, err := lockIndex(dotGit); err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(dotGit, "index.lock")
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lock, nil, 0o644); err != nil { // git's own, at the same inode perhaps
		t.Fatal(err)
	}
	r.Commit(t, "master", map[string]string{"a.txt": "a3\n"}, "again")
	if _, err := Sync(context.Background(), Request{Remote: r.URL, Dir: dir, Reference: "master"}); !errors.Is(err, ErrIndexLocked) {
		t.Fatalf("Sync while git holds the index = %v, want a refusal", err)
	}
	if _, err := os.Stat(lock); err != nil {
		t.Errorf("git's lock is gone: %v", err)
	}
}
