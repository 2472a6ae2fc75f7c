package gitsync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

var baseFiles = map[string]string{
	".gitignore": "out/\n*.log\n",
	"a.txt":      "a\n",
	"b.txt":      "b\n",
	"lib/c.txt":  "c\n",
}

// synced returns a remote, a checkout of its master and the next commit
// pushed to master, which a Sync would move the checkout to.
func synced(t *testing.T) (r *testenv.Remote, dir, next string) {
	t.Helper()
	r = testenv.NewRemote(t, baseFiles)
	dir = checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"})
	next = r.Commit(t, "master", map[string]string{"a.txt": "a2\n", "new.txt": "n\n"}, "upstream change")
	return r, dir, next
}

func commitLocal(t *testing.T, dir, msg string) string {
	t.Helper()
	put(t, dir, "local.txt", msg+"\n")
	gitOut(t, dir, "add", "local.txt")
	gitOut(t, dir, "commit", "-q", "-m", msg)
	return gitOut(t, dir, "rev-parse", "HEAD")
}

func TestIntegrationSyncGuardsLocalWork(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		// want is what the LocalWorkError lists; nil means Sync must succeed.
		want  *LocalWorkError
		check map[string]string // files that must keep this content
	}{{
		name:  "modified tracked file",
		setup: func(t *testing.T, dir string) { put(t, dir, "b.txt", "mine\n") },
		want:  &LocalWorkError{Changed: []string{"b.txt"}},
		check: map[string]string{"b.txt": "mine\n", "a.txt": "a\n"},
	}, {
		name:  "deleted tracked file",
		setup: func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "lib/c.txt")) },
		want:  &LocalWorkError{Changed: []string{"lib/c.txt"}},
	}, {
		name: "staged new file",
		setup: func(t *testing.T, dir string) {
			put(t, dir, "staged.txt", "s\n")
			gitOut(t, dir, "add", "staged.txt")
		},
		want:  &LocalWorkError{Changed: []string{"staged.txt"}},
		check: map[string]string{"staged.txt": "s\n"},
	}, {
		name:  "untracked file",
		setup: func(t *testing.T, dir string) { put(t, dir, "lib/notes.md", "todo\n") },
		want:  &LocalWorkError{Untracked: []string{"lib/notes.md"}},
		check: map[string]string{"lib/notes.md": "todo\n"},
	}, {
		name: "ignored files",
		setup: func(t *testing.T, dir string) {
			put(t, dir, "out/bin/app", "binary")
			put(t, dir, "lib/build.log", "log")
		},
		check: map[string]string{"out/bin/app": "binary", "lib/build.log": "log", "a.txt": "a2\n"},
	}, {
		name: "local commit on detached HEAD",
		setup: func(t *testing.T, dir string) {
			commitLocal(t, dir, "work in progress")
		},
		want:  &LocalWorkError{Commits: []string{"work in progress"}},
		check: map[string]string{"local.txt": "work in progress\n"},
	}, {
		name: "unpushed local branch",
		setup: func(t *testing.T, dir string) {
			gitOut(t, dir, "checkout", "-q", "-b", "topic")
			commitLocal(t, dir, "topic work")
			gitOut(t, dir, "checkout", "-q", "--detach", "HEAD~1")
		},
		want: &LocalWorkError{Commits: []string{"topic work"}},
	}, {
		name: "pushed local branch",
		setup: func(t *testing.T, dir string) {
			gitOut(t, dir, "branch", "copy-of-master", "origin/master")
		},
		check: map[string]string{"a.txt": "a2\n"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, dir, next := synced(t)
			before := gitOut(t, dir, "rev-parse", "HEAD")
			tt.setup(t, dir)
			res, err := Sync(context.Background(), Request{Remote: r.URL, Dir: dir, Reference: "master"})
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Sync: %v", err)
				}
				if res.Commit != next || len(res.Saved) != 0 {
					t.Errorf("Sync = %+v, want a move to %s saving nothing", res, next)
				}
			} else {
				var lw *LocalWorkError
				if !errors.As(err, &lw) {
					t.Fatalf("Sync error = %v, want a *LocalWorkError", err)
				}
				assertLists(t, lw, tt.want)
				if lw.Dir != dir || !strings.Contains(err.Error(), "--force") {
					t.Errorf("error = %q, want it to name %s and --force", err, dir)
				}
				if got := gitOut(t, dir, "rev-parse", "HEAD"); got == next || (len(tt.want.Commits) == 0 && got != before) {
					t.Errorf("HEAD moved to %s despite local work", got)
				}
			}
			for name, content := range tt.check {
				if got := readFile(t, dir, name); got != content {
					t.Errorf("%s = %q, want %q", name, got, content)
				}
			}
		})
	}
}

// assertLists compares the lists of got with want; commits are matched by
// subject, since their SHAs are made during the test.
func assertLists(t *testing.T, got, want *LocalWorkError) {
	t.Helper()
	if !slices.Equal(got.Changed, want.Changed) || !slices.Equal(got.Untracked, want.Untracked) {
		t.Errorf("changed %q untracked %q, want %q %q", got.Changed, got.Untracked, want.Changed, want.Untracked)
	}
	if len(got.Commits) != len(want.Commits) {
		t.Fatalf("commits %q, want %q", got.Commits, want.Commits)
	}
	for i, c := range got.Commits {
		if _, subject, _ := strings.Cut(c, " "); subject != want.Commits[i] {
			t.Errorf("commit %d = %q, want subject %q", i, c, want.Commits[i])
		}
	}
}

func TestIntegrationSyncForceSavesLocalWork(t *testing.T) {
	r, dir, next := synced(t)
	put(t, dir, "b.txt", "mine\n")
	os.Remove(filepath.Join(dir, "lib/c.txt"))
	local := commitLocal(t, dir, "experiment")
	put(t, dir, "scratch/idea.txt", "idea\n")
	put(t, dir, "out/app", "binary")
	gitOut(t, dir, "branch", "spike", local)

	backups := filepath.Join(t.TempDir(), ".x-platform", "backups", "svc")
	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Force: true, BackupDir: backups})
	if res.Commit != next || !res.Moved || len(res.Saved) != 3 {
		t.Fatalf("Sync = %+v, want a move to %s with 3 saved lines", res, next)
	}
	assertAt(t, dir, next)
	if got := gitOut(t, dir, "status", "--porcelain"); got != "" {
		t.Errorf("git status after forced sync:\n%s", got)
	}
	for name, content := range map[string]string{"b.txt": "b\n", "lib/c.txt": "c\n", "a.txt": "a2\n", "out/app": "binary"} {
		if got := readFile(t, dir, name); got != content {
			t.Errorf("%s = %q, want %q", name, got, content)
		}
	}
	for _, gone := range []string{"scratch", "local.txt"} {
		if _, err := os.Stat(filepath.Join(dir, gone)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived a forced sync (%v)", gone, err)
		}
	}

	stamps, err := os.ReadDir(backups)
	if err != nil || len(stamps) != 1 {
		t.Fatalf("backups: %v %v, want one folder", stamps, err)
	}
	stamp := stamps[0].Name()
	saved := filepath.Join(backups, stamp)
	for name, content := range map[string]string{"b.txt": "mine\n", "scratch/idea.txt": "idea\n"} {
		if got := readFile(t, saved, name); got != content {
			t.Errorf("backup of %s = %q, want %q", name, got, content)
		}
	}
	manifest := readFile(t, saved, "MANIFEST.txt")
	for _, line := range []string{"changed   b.txt", "deleted   lib/c.txt", "untracked scratch/idea.txt"} {
		if !strings.Contains(manifest, line) {
			t.Errorf("MANIFEST.txt lacks %q:\n%s", line, manifest)
		}
	}
	for _, ref := range []string{"refs/x-platform/backup/" + stamp, "refs/x-platform/backup/" + stamp + "-spike"} {
		if got := gitOut(t, dir, "rev-parse", "--verify", ref); got != local {
			t.Errorf("%s = %s, want the local commit %s", ref, got, local)
		}
	}
	if got := gitOut(t, dir, "for-each-ref", "refs/heads"); got != "" {
		t.Errorf("unpushed branch survived: %s", got)
	}
	if !strings.Contains(strings.Join(res.Saved, "\n"), saved) {
		t.Errorf("Saved = %q, want it to name %s", res.Saved, saved)
	}

	// The next sync finds nothing to save.
	if res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Force: true, BackupDir: backups}); res.Moved || len(res.Saved) != 0 {
		t.Errorf("second forced Sync = %+v, want a no-op", res)
	}
}

func TestIntegrationSyncForceRestoresInPlace(t *testing.T) {
	r, dir, next := synced(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"})
	put(t, dir, "a.txt", "edited\n")
	backups := t.TempDir()
	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Force: true, BackupDir: backups})
	if res.Moved || len(res.Saved) != 1 {
		t.Errorf("Sync = %+v, want no move and one saved line", res)
	}
	assertAt(t, dir, next)
	if got := readFile(t, dir, "a.txt"); got != "a2\n" {
		t.Errorf("a.txt = %q, want the remote's content", got)
	}
}

func TestIntegrationSyncDeletedRemoteBranchIsNotLocalWork(t *testing.T) {
	r := testenv.NewRemote(t, baseFiles)
	r.Commit(t, "short-lived", map[string]string{"x.txt": "x\n"}, "short-lived work")
	dir := checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "short-lived"})
	testenv.RunGit(t, r.Dir, "branch", "-D", "short-lived")

	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"})
	assertAt(t, dir, r.Head(t, "master"))
	if !res.Moved {
		t.Errorf("Sync = %+v, want a move", res)
	}
}

func TestLocalWorkErrorMessage(t *testing.T) {
	tests := []struct {
		err  LocalWorkError
		want string
	}{
		{LocalWorkError{Dir: "/s", Changed: []string{"a"}},
			"/s has local work: changed files a; commit and push it, or rerun with --force to save it in the backup folder and discard it"},
		{LocalWorkError{Dir: "/s", Untracked: []string{"1", "2", "3", "4", "5", "6", "7"}, Commits: []string{"abc1234 wip"}},
			"/s has local work: untracked files 1, 2, 3, 4, 5 and 2 more; commits not on the remote abc1234 wip; commit and push it"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); !strings.HasPrefix(got, tt.want) {
			t.Errorf("Error() = %q, want prefix %q", got, tt.want)
		}
	}
}
