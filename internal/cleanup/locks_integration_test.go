package cleanup

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/testenv"
)

// platformRepo makes a git repository on branch main holding the
// fixture's manifest, then one commit per digest, each writing
// x-platform.lock pinning image a at it, oldest first; the working tree
// holds the last one. It returns the repository's folder.
func (f *fixture) platformRepo(digests ...string) string {
	f.t.Helper()
	dir := filepath.Join(f.t.TempDir(), "platform")
	testenv.RunGit(f.t, "", "init", "--quiet", "--initial-branch=main", dir)
	manifestText, err := os.ReadFile(filepath.Join(f.root, "x-platform.yml"))
	if err != nil {
		f.t.Fatal(err)
	}
	files := map[string]string{"x-platform.yml": string(manifestText), ".gitignore": "src/\n"}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
	testenv.RunGit(f.t, dir, "add", "-A")
	testenv.RunGit(f.t, dir, "commit", "--quiet", "-m", "manifest")
	for i, d := range digests {
		f.writeLock(dir, i, d)
		testenv.RunGit(f.t, dir, "add", "-A")
		testenv.RunGit(f.t, dir, "commit", "--quiet", "-m", fmt.Sprintf("lock %d", i))
	}
	return dir
}

// writeLock writes x-platform.lock in dir pinning image a at digest d.
func (f *fixture) writeLock(dir string, i int, d string) {
	f.t.Helper()
	commit := strings.Repeat(fmt.Sprint(i%10), 40)
	text := fmt.Sprintf("registry: %s\nservices:\n  a:\n    reference: origin/master\n    commit: %s\n    key: k\n    image: %s/a:%s\n    digest: %s\n",
		f.registry, commit, f.registry, commit, d)
	if err := os.WriteFile(filepath.Join(dir, "x-platform.lock"), []byte(text), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// recorded gives staging a release, so that only the lock rule is tested.
func (f *fixture) recorded() {
	f.t.Helper()
	d := f.push(old(), strings.Repeat("f", 40))
	f.record(1, release.Deployed, strings.Repeat("f", 40), d)
}

// TestIntegrationLockHistoryInLinkedWorktree reads the lock history of the
// platform repository from a linked worktree, whose refs and objects are
// in the main repository's git folder.
func TestIntegrationLockHistoryInLinkedWorktree(t *testing.T) {
	f := newFixture(t, "")
	f.recorded()
	older := f.push(old(), "older")
	newer := f.push(old(), "newer")
	repo := f.platformRepo(older, newer)
	wt := filepath.Join(t.TempDir(), "wt")
	testenv.RunGit(t, repo, "worktree", "add", "--quiet", "-b", "side", wt)
	f.root = wt
	f.sync()

	res := f.plan(f.options())
	wantKept(t, res, older, "x-platform.lock at main~1")
	wantKept(t, res, older, "x-platform.lock at side~1")
	wantKept(t, res, newer, "x-platform.lock at the working tree")
	if r := refusals(res); strings.TrimSpace(r) != "" {
		t.Errorf("refused %q, want no refusal", r)
	}
}

// TestIntegrationLockHistoryShallow refuses deletes while the platform
// repository is a shallow clone whose history is shorter than the rule
// reads, says how to fix it, and plans with the full history once fetched.
func TestIntegrationLockHistoryShallow(t *testing.T) {
	f := newFixture(t, "")
	f.recorded()
	first := f.push(old(), strings.Repeat("a", 40))
	second := f.push(old(), strings.Repeat("b", 40))
	third := f.push(old(), strings.Repeat("c", 40))
	repo := f.platformRepo(first, second, third)
	clone := filepath.Join(t.TempDir(), "clone")
	testenv.RunGit(t, "", "clone", "--quiet", "--depth", "1", "file://"+repo, clone)
	f.root = clone
	f.sync()

	res := f.plan(f.options())
	notes := strings.Join(res.Notes, "\n")
	for _, want := range []string{"is a shallow clone", "main ends after 1", "git fetch --unshallow"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q, want %q", notes, want)
		}
	}
	if r := refusals(res); !strings.Contains(r, "git fetch --unshallow") || !strings.Contains(r, "--partial-lock-history") {
		t.Errorf("refused %q, want the shallow history named with what to do", r)
	}
	rep := Apply(t.Context(), res, f.options())
	if o := outcomes(rep)[first]; o.Done || o.Refused == "" {
		t.Errorf("apply of %s: %+v, want it refused", first, o)
	}

	o := f.options()
	o.PartialLockHistory = true
	res = f.plan(o)
	if r := refusals(res); strings.TrimSpace(r) != "" || !strings.Contains(strings.Join(res.Notes, "\n"), "--partial-lock-history") {
		t.Errorf("with --partial-lock-history: refused %q, notes %q; want a note only", r, res.Notes)
	}

	testenv.RunGit(t, clone, "fetch", "--quiet", "--unshallow")
	res = f.plan(f.options())
	if r := refusals(res); strings.TrimSpace(r) != "" {
		t.Errorf("after unshallowing: refused %q, want no refusal", r)
	}
	wantKept(t, res, first, "x-platform.lock at main~2")
	wantKept(t, res, second, "x-platform.lock at main~1")
}

// TestIntegrationLockNotCommitted refuses deletes when the lock file on
// disk is in no commit: no history of it was read.
func TestIntegrationLockNotCommitted(t *testing.T) {
	f := newFixture(t, "")
	f.recorded()
	pinned := f.push(old(), "pinned")
	repo := f.platformRepo()
	f.writeLock(repo, 0, pinned)
	f.root = repo
	f.sync()

	res := f.plan(f.options())
	if r := refusals(res); !strings.Contains(r, "x-platform.lock is on disk but in no commit") {
		t.Errorf("refused %q, want the uncommitted lock named", r)
	}
}
