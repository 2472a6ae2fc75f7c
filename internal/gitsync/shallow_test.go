package gitsync

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport/client"
	"github.com/go-git/go-git/v5/plumbing/transport/server"

	"github.com/x-platform/x-platform/internal/testenv"
)

// bigFile is incompressible content of size bytes, different per seed, as
// a build artefact committed in several versions would be.
func bigFile(seed int64, size int) string {
	b := make([]byte, size)
	rand.New(rand.NewSource(seed)).Read(b)
	return string(b)
}

// versionedRemote holds four versions of a 2 MB file on master and returns
// the SHAs of the commits and of the blobs, oldest first.
func versionedRemote(t *testing.T) (r *testenv.Remote, commits, blobs []string) {
	t.Helper()
	r = testenv.NewRemote(t, map[string]string{"README": "service\n"})
	for i := range 4 {
		commits = append(commits, r.Commit(t, "master", map[string]string{"data.bin": bigFile(int64(i), 2<<20)}, fmt.Sprintf("version %d", i)))
		blobs = append(blobs, gitOut(t, r.Dir, "rev-parse", commits[i]+":data.bin"))
	}
	return r, commits, blobs
}

func hasObject(dir, sha string) bool {
	cmd := exec.Command("git", "cat-file", "-e", sha)
	cmd.Dir = dir
	return cmd.Run() == nil
}

// dirSize adds up the sizes of the regular files below dir.
func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// notes collects what Sync tells the user.
type notes struct {
	mu   sync.Mutex
	msgs []string
}

func (n *notes) add(msg string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.msgs = append(n.msgs, msg)
}

func (n *notes) matching(s string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, m := range n.msgs {
		if strings.Contains(m, s) {
			out = append(out, m)
		}
	}
	return out
}

func assertShallow(t *testing.T, dir string, want bool) {
	t.Helper()
	if got := gitOut(t, dir, "rev-parse", "--is-shallow-repository"); got != fmt.Sprint(want) {
		t.Errorf("git rev-parse --is-shallow-repository = %s, want %v", got, want)
	}
	if want {
		return
	}
	// git itself can walk the whole history: nothing is cut off.
	if out := gitOut(t, dir, "fsck", "--connectivity-only", "--no-dangling"); out != "" {
		t.Errorf("git fsck: %s", out)
	}
}

func TestIntegrationShallowBranchHoldsOnlyItsCommit(t *testing.T) {
	r, commits, blobs := versionedRemote(t)
	r.Commit(t, "other", map[string]string{"other.txt": "x\n"}, "another branch")
	dir := checkoutDir(t)
	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1})
	if res.Commit != commits[3] || !res.Cloned {
		t.Fatalf("Sync = %+v, want a clone at %s", res, commits[3])
	}
	assertAt(t, dir, commits[3])
	assertShallow(t, dir, true)
	for i, b := range blobs[:3] {
		if hasObject(dir, b) {
			t.Errorf("version %d of data.bin is in the checkout; depth 1 holds only the last", i)
		}
	}
	if refs := gitOut(t, dir, "for-each-ref", "--format=%(refname)", "refs/remotes/"); refs != "refs/remotes/origin/master" {
		t.Errorf("remote-tracking refs = %q, want only origin/master", refs)
	}
	tree := dirSize(t, dir) - dirSize(t, filepath.Join(dir, ".git"))
	if git := dirSize(t, filepath.Join(dir, ".git")); float64(git) > 1.2*float64(tree) {
		t.Errorf(".git holds %d bytes for a tree of %d; want at most 1.2 times the tree", git, tree)
	}

	// The branch moves on: a fetch at depth 1 brings the new tip only.
	next := r.Commit(t, "master", map[string]string{"data.bin": bigFile(9, 2<<20)}, "version 4")
	res = mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1})
	if res.Commit != next {
		t.Fatalf("Sync after the branch moved = %s, want %s", res.Commit, next)
	}
	assertAt(t, dir, next)
	if hasObject(dir, blobs[0]) || hasObject(dir, blobs[2]) {
		t.Errorf("a fetch at depth 1 brought older versions of data.bin")
	}

	// Without a depth the checkout is made whole.
	res = mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"})
	assertAt(t, dir, next)
	assertShallow(t, dir, false)
	for i, b := range blobs {
		if !hasObject(dir, b) {
			t.Errorf("version %d of data.bin is missing after a sync without depth", i)
		}
	}
	if got := gitOut(t, dir, "rev-parse", "origin/other"); got != r.Head(t, "other") {
		t.Errorf("origin/other = %s after a sync without depth, want every branch", got)
	}
}

func TestIntegrationShallowTag(t *testing.T) {
	r, commits, blobs := versionedRemote(t)
	r.AnnotatedTag(t, "v1", commits[1], "release 1")
	r.Tag(t, "v2", commits[2])
	for _, tc := range []struct{ ref, want string }{{"v1", commits[1]}, {"refs/tags/v2", commits[2]}} {
		dir := checkoutDir(t)
		res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: tc.ref, Depth: 1})
		if res.Commit != tc.want || res.Kind != Tag {
			t.Fatalf("Sync(%s) = %+v, want tag at %s", tc.ref, res, tc.want)
		}
		assertAt(t, dir, tc.want)
		assertShallow(t, dir, true)
		if hasObject(dir, blobs[3]) || hasObject(dir, blobs[0]) {
			t.Errorf("Sync(%s) at depth 1 brought other versions of data.bin", tc.ref)
		}
	}
}

func TestIntegrationShallowSHAPin(t *testing.T) {
	r, commits, blobs := versionedRemote(t)
	testenv.RunGit(t, r.Dir, "config", "uploadpack.allowReachableSHA1InWant", "true")
	dir := checkoutDir(t)
	var n notes
	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: commits[1], Depth: 1, Notes: n.add})
	if res.Commit != commits[1] || res.Kind != Commit {
		t.Fatalf("Sync = %+v, want commit %s", res, commits[1])
	}
	assertAt(t, dir, commits[1])
	assertShallow(t, dir, true)
	for _, i := range []int{0, 2, 3} {
		if hasObject(dir, blobs[i]) {
			t.Errorf("version %d of data.bin is in a depth-1 checkout of version 1", i)
		}
	}
	if len(n.msgs) != 0 {
		t.Errorf("notes = %q, want none", n.msgs)
	}
	// Resolve checks the pin is on the remote without more history.
	if got, err := Resolve(dir, commits[1]); err != nil || got != commits[1] {
		t.Errorf("Resolve(pin) = %s, %v", got, err)
	}
}

// TestIntegrationShallowSHARefused pins a commit the remote will not serve
// by its SHA: the whole history is fetched instead, and the user told once.
func TestIntegrationShallowSHARefused(t *testing.T) {
	r, commits, _ := versionedRemote(t)
	var n notes
	for range 2 {
		dir := checkoutDir(t)
		res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: commits[1], Depth: 1, Notes: n.add})
		if res.Commit != commits[1] {
			t.Fatalf("Sync = %+v, want commit %s", res, commits[1])
		}
		assertAt(t, dir, commits[1])
		assertShallow(t, dir, false)
	}
	if got := n.matching("refused"); len(got) != 1 || !strings.Contains(got[0], "whole history") {
		t.Errorf("notes = %q, want one saying the remote refused and the whole history is fetched", n.msgs)
	}
}

// TestIntegrationShallowLocalWork commits on a shallow checkout: the
// commit is still found and guarded, and a commit that only looks unpushed
// because its branch was never fetched is found to be on the remote.
func TestIntegrationShallowLocalWork(t *testing.T) {
	r, _, _ := versionedRemote(t)
	dir := checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1})
	put(t, dir, "local.txt", "mine\n")
	gitOut(t, dir, "add", "local.txt")
	gitOut(t, dir, "-c", "user.name=u", "-c", "user.email=u@x", "commit", "--quiet", "-m", "local work")
	local := gitOut(t, dir, "rev-parse", "HEAD")

	r.Commit(t, "master", map[string]string{"data.bin": "v5\n"}, "version 5")
	_, err := Sync(context.Background(), Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1})
	var lw *LocalWorkError
	if !errors.As(err, &lw) || len(lw.Commits) != 1 || !strings.HasPrefix(lw.Commits[0], local[:7]) {
		t.Fatalf("Sync over a local commit = %v, want a refusal naming %s only", err, local[:7])
	}
	assertAt(t, dir, local)

	// Pushed to a branch the shallow checkout never fetched, the commit is
	// no longer local work.
	gitOut(t, dir, "push", "--quiet", r.Dir, "HEAD:refs/heads/feature")
	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1})
	if res.Commit != r.Head(t, "master") || len(res.Saved) != 0 {
		t.Fatalf("Sync after the push = %+v", res)
	}
}

// TestIntegrationShallowRefused fetches at a depth from a server without
// shallow support (go-git's own, as the orchestrator's image uses when it
// has no git binary): the whole history comes instead, said once.
func TestIntegrationShallowRefused(t *testing.T) {
	ensureTransports()
	saved := client.Protocols["file"]
	client.InstallProtocol("file", server.DefaultServer)
	t.Cleanup(func() { client.InstallProtocol("file", saved) })

	r, commits, blobs := versionedRemote(t)
	var n notes
	dir := checkoutDir(t)
	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1, Notes: n.add})
	if res.Commit != commits[3] {
		t.Fatalf("Sync = %+v, want %s", res, commits[3])
	}
	assertAt(t, dir, commits[3])
	assertShallow(t, dir, false)
	if !hasObject(dir, blobs[0]) {
		t.Errorf("the first version of data.bin is missing after the full fetch")
	}
	next := r.Commit(t, "master", map[string]string{"data.bin": "v5\n"}, "version 5")
	if res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1, Notes: n.add}); res.Commit != next {
		t.Fatalf("second Sync = %+v, want %s", res, next)
	}
	if got := n.matching("refused"); len(got) != 1 || !strings.Contains(got[0], "whole history") {
		t.Errorf("notes = %q, want one saying the remote refused and the whole history is fetched", n.msgs)
	}
}

// TestIntegrationShallowHistoryReaders asks a depth-1 checkout questions
// its history cannot answer: it deepens itself and answers right.
func TestIntegrationShallowHistoryReaders(t *testing.T) {
	r, commits, _ := versionedRemote(t)
	dir := checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1})
	ok, err := IsAncestor(dir, commits[1], commits[3])
	if err != nil || !ok {
		t.Fatalf("IsAncestor(older, tip) on a shallow checkout = %v, %v; want true", ok, err)
	}
	assertShallow(t, dir, false)
	if ok, err := IsAncestor(dir, commits[3], commits[1]); err != nil || ok {
		t.Errorf("IsAncestor(tip, older) = %v, %v; want false", ok, err)
	}

	dir = checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1})
	if got, err := Resolve(dir, commits[0]); err != nil || got != commits[0] {
		t.Fatalf("Resolve(older commit) on a shallow checkout = %s, %v; want %s", got, err, commits[0])
	}
	// A pin to a commit below the boundary is checked out after deepening.
	dir = checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1})
	if res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: commits[0]}); res.Commit != commits[0] {
		t.Fatalf("Sync(older commit) = %+v", res)
	}
	assertAt(t, dir, commits[0])
}

// TestIntegrationShallowOverTransports clones at depth 1 over smart HTTP
// and ssh, branch and SHA pin, then fetches the moved branch.
func TestIntegrationShallowOverTransports(t *testing.T) {
	d := testenv.StartSSHD(t)
	sshEnv(t, testenv.SSHHome(t, d, "gitserver"))
	r, commits, blobs := versionedRemote(t)
	testenv.RunGit(t, r.Dir, "config", "uploadpack.allowReachableSHA1InWant", "true")
	for name, url := range map[string]string{"http": r.ServeHTTP(t), "ssh": d.URL("gitserver", r)} {
		for _, ref := range []string{"master", commits[2]} {
			dir := checkoutDir(t)
			var n notes
			res := mustSync(t, Request{Remote: url, Dir: dir, Reference: ref, Depth: 1, Notes: n.add})
			want := commits[3]
			if ref != "master" {
				want = ref
			}
			if res.Commit != want {
				t.Fatalf("%s: Sync(%s) = %+v, want %s", name, ref, res, want)
			}
			assertAt(t, dir, want)
			assertShallow(t, dir, true)
			if hasObject(dir, blobs[0]) || len(n.msgs) != 0 {
				t.Errorf("%s: Sync(%s) at depth 1 brought the first version, or said %q", name, ref, n.msgs)
			}
		}
	}
}

// TestIntegrationShallowCloneByGit reads the history of a checkout the git
// CLI cloned at depth 1, as a CI system's own checkout step leaves it.
func TestIntegrationShallowCloneByGit(t *testing.T) {
	r, commits, _ := versionedRemote(t)
	dir := checkoutDir(t)
	testenv.RunGit(t, "", "clone", "--quiet", "--depth", "1", r.URL, dir)
	if ok, err := IsAncestor(dir, commits[0], commits[3]); err != nil || !ok {
		t.Fatalf("IsAncestor(first, tip) = %v, %v; want true", ok, err)
	}
	dir = checkoutDir(t)
	testenv.RunGit(t, "", "clone", "--quiet", "--depth", "1", r.URL, dir)
	if got, err := Resolve(dir, commits[1]); err != nil || got != commits[1] {
		t.Fatalf("Resolve(older commit) = %s, %v; want %s", got, err, commits[1])
	}
}

// TestIntegrationShallowRemoteGone asks history questions of a shallow
// checkout whose remote is gone: errors naming the setting, never a guess,
// and local work is still refused.
func TestIntegrationShallowRemoteGone(t *testing.T) {
	r, commits, _ := versionedRemote(t)
	dir := checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1})
	put(t, dir, "local.txt", "mine\n")
	gitOut(t, dir, "add", "local.txt")
	gitOut(t, dir, "-c", "user.name=u", "-c", "user.email=u@x", "commit", "--quiet", "-m", "local work")
	local := gitOut(t, dir, "rev-parse", "HEAD")
	if err := os.Rename(r.Dir, r.Dir+".gone"); err != nil {
		t.Fatal(err)
	}

	ok, err := IsAncestor(dir, commits[0], commits[3])
	if err == nil || !strings.Contains(err.Error(), "XP_DEPTH") {
		t.Errorf("IsAncestor with the remote refusing = %v, %v; want an error naming the depth setting", ok, err)
	}
	_, err = Sync(context.Background(), Request{Remote: r.URL, Dir: dir, Reference: commits[3], Depth: 1, Fetched: true})
	if err == nil || !strings.Contains(err.Error(), "XP_DEPTH") || !strings.Contains(err.Error(), "has commits not on the fetched branches") {
		t.Errorf("Sync over a local commit with the remote refusing = %v; want a refusal naming the depth setting", err)
	}
	assertAt(t, dir, local)
}

// TestIntegrationShallowForceSaves moves a shallow checkout holding a local
// commit with Force: the commit is saved where a backup ref keeps it.
func TestIntegrationShallowForceSaves(t *testing.T) {
	r, _, _ := versionedRemote(t)
	dir := checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1})
	put(t, dir, "local.txt", "mine\n")
	gitOut(t, dir, "add", "local.txt")
	gitOut(t, dir, "-c", "user.name=u", "-c", "user.email=u@x", "commit", "--quiet", "-m", "local work")
	local := gitOut(t, dir, "rev-parse", "HEAD")
	next := r.Commit(t, "master", map[string]string{"data.bin": "v5\n"}, "version 5")

	res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master", Depth: 1, Force: true, BackupDir: filepath.Join(t.TempDir(), "backups")})
	if res.Commit != next || len(res.Saved) == 0 {
		t.Fatalf("Sync --force = %+v, want %s with the local commit saved", res, next)
	}
	assertAt(t, dir, next)
	kept := gitOut(t, dir, "for-each-ref", "--contains", local, "--format=%(refname)", "refs/")
	if !strings.Contains(kept, "backup") {
		t.Errorf("refs keeping the local commit %s: %q, want a backup ref", local[:7], kept)
	}
}
