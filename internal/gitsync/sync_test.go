package gitsync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

func TestIntegrationSyncFollowsBranch(t *testing.T) {
	for _, transport := range []string{"file", "http"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			r := testenv.NewRemote(t, map[string]string{"a.txt": "one\n", "old.txt": "old\n", "bin/run": "#!/bin/sh\n"})
			url := r.URL
			if transport == "http" {
				url = r.ServeHTTP(t)
			}
			dir := checkoutDir(t)
			req := Request{Remote: url, Dir: dir, Reference: "master"}

			res := mustSync(t, req)
			want := Result{Commit: r.Head(t, "master"), Kind: Branch, Name: "master", Cloned: true, Moved: true}
			if !equalResult(res, want) {
				t.Fatalf("first Sync = %+v, want %+v", res, want)
			}
			assertAt(t, dir, want.Commit)
			if got := gitOut(t, dir, "for-each-ref", "refs/heads"); got != "" {
				t.Errorf("clone created local branches: %q", got)
			}

			r.Commit(t, "master", map[string]string{"a.txt": "two\n", "dir/new.txt": "new\n"}, "second")
			next := r.Remove(t, "master", []string{"old.txt"}, "drop old")
			res = mustSync(t, req)
			want = Result{Commit: next, Kind: Branch, Name: "master", Moved: true}
			if !equalResult(res, want) {
				t.Fatalf("Sync after push = %+v, want %+v", res, want)
			}
			assertAt(t, dir, next)
			if got := readFile(t, dir, "a.txt") + readFile(t, dir, "dir/new.txt"); got != "two\nnew\n" {
				t.Errorf("files after move = %q", got)
			}
			if _, err := os.Stat(filepath.Join(dir, "old.txt")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("old.txt should be gone after the remote deleted it: %v", err)
			}

			res = mustSync(t, req)
			want.Moved = false
			if !equalResult(res, want) {
				t.Errorf("no-op Sync = %+v, want %+v", res, want)
			}

			// A new tag alone is fetched too.
			r.Tag(t, "v9", r.Head(t, "master")+"~1")
			res = mustSync(t, Request{Remote: url, Dir: dir, Reference: "v9"})
			if res.Kind != Tag || res.Commit == next || !res.Moved {
				t.Errorf("Sync(v9) = %+v, want a move to the tagged parent", res)
			}
		})
	}
}

func TestIntegrationSyncFollowsRewrittenBranch(t *testing.T) {
	r := testenv.NewRemote(t, map[string]string{"a.txt": "1\n"})
	first := r.Head(t, "master")
	r.Commit(t, "master", map[string]string{"a.txt": "2\n"}, "two")
	dir := checkoutDir(t)
	req := Request{Remote: r.URL, Dir: dir, Reference: "master"}
	mustSync(t, req)

	testenv.RunGit(t, r.Dir, "update-ref", "refs/heads/master", first) // a force push
	res := mustSync(t, req)
	if res.Commit != first || !res.Moved {
		t.Errorf("Sync = %+v, want a move back to %s", res, first)
	}
	assertAt(t, dir, first)
	if got := readFile(t, dir, "a.txt"); got != "1\n" {
		t.Errorf("a.txt = %q", got)
	}
}

func TestIntegrationSyncPins(t *testing.T) {
	r := testenv.NewRemote(t, map[string]string{"v.txt": "1\n"})
	first := r.Head(t, "master")
	second := r.Commit(t, "master", map[string]string{"v.txt": "2\n"}, "two")
	feature := r.Commit(t, "feature/x", map[string]string{"v.txt": "x\n"}, "feature")
	r.Commit(t, "master", map[string]string{"v.txt": "3\n"}, "three")
	r.Tag(t, "v1", first)
	r.AnnotatedTag(t, "v2", second, "release 2")

	tests := []struct {
		ref     string
		want    string
		kind    RefKind
		name    string
		content string
	}{
		{"v1", first, Tag, "v1", "1\n"},
		{"refs/tags/v2", second, Tag, "v2", "2\n"},
		{first, first, Commit, "", "1\n"},
		{strings.ToUpper(second), second, Commit, "", "2\n"},
		{"origin/feature/x", feature, Branch, "feature/x", "x\n"},
		{"feature/x", feature, Branch, "feature/x", "x\n"},
	}
	// One checkout walks through every pin, so each one also moves it.
	dir := checkoutDir(t)
	for _, tt := range tests {
		res := mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: tt.ref})
		if res.Commit != tt.want || res.Kind != tt.kind || res.Name != tt.name {
			t.Errorf("Sync(%s) = %s %v %q, want %s %v %q", tt.ref, res.Commit, res.Kind, res.Name, tt.want, tt.kind, tt.name)
		}
		assertAt(t, dir, tt.want)
		if got := readFile(t, dir, "v.txt"); got != tt.content {
			t.Errorf("Sync(%s): v.txt = %q, want %q", tt.ref, got, tt.content)
		}
		for _, ref := range []string{tt.ref, "HEAD"} {
			if got, err := Resolve(dir, ref); err != nil || got != tt.want {
				t.Errorf("Resolve(%s) = %s, %v; want %s", ref, got, err, tt.want)
			}
		}
	}
}

func TestIntegrationSyncUnknownReference(t *testing.T) {
	r := testenv.NewRemote(t, map[string]string{"a": "a\n"})
	r.Commit(t, "feature/login", nil, "login")
	r.Tag(t, "v1.0.0", r.Head(t, "master"))
	dir := checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"})
	// A commit made in the checkout exists locally but not in the remote.
	put(t, dir, "local.txt", "l\n")
	gitOut(t, dir, "add", "local.txt")
	gitOut(t, dir, "commit", "-q", "-m", "local only")
	local := gitOut(t, dir, "rev-parse", "HEAD")
	gitOut(t, dir, "checkout", "-q", "--detach", "HEAD~1")

	tests := []struct {
		ref  string
		want []string
	}{
		{"0123456789abcdef0123456789abcdef01234567", []string{"commit 0123456789abcdef0123456789abcdef01234567 is not in " + r.URL}},
		{local, []string{"commit " + local + " is not in", "exists only in this checkout"}},
		{"feature/logn", []string{`resolving "feature/logn"`, "close names: feature/login"}},
		{"v1.0", []string{"close names: v1.0.0"}},
		{"origin/v1.0.0", []string{"no branch or tag"}},
		{"abc1234", []string{"full 40-hex"}},
	}
	for _, tt := range tests {
		_, err := Sync(context.Background(), Request{Remote: r.URL, Dir: dir, Reference: tt.ref})
		if !errors.Is(err, ErrUnknownReference) {
			t.Errorf("Sync(%s) error = %v, want ErrUnknownReference", tt.ref, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Sync(%s) error = %q, want it to mention %q", tt.ref, err, w)
			}
		}
	}
}

func TestIntegrationSyncRefusesForeignFolders(t *testing.T) {
	r := testenv.NewRemote(t, map[string]string{"a": "a\n"})
	other := testenv.NewRemote(t, map[string]string{"b": "b\n"})

	notRepo := checkoutDir(t)
	put(t, notRepo, "notes.txt", "mine\n")

	otherCheckout := checkoutDir(t)
	mustSync(t, Request{Remote: other.URL, Dir: otherCheckout, Reference: "master"})

	tests := []struct {
		name string
		dir  string
		want string
	}{
		{"not a repository", notRepo, "is not a git checkout"},
		{"other origin", otherCheckout, "is a checkout of " + other.URL + ", not " + r.URL},
		{"relative folder", "src/svc", "not an absolute path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Sync(context.Background(), Request{Remote: r.URL, Dir: tt.dir, Reference: "master"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Sync error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
	if got := readFile(t, notRepo, "notes.txt"); got != "mine\n" {
		t.Errorf("notes.txt = %q after refusal", got)
	}

	// An empty folder, and a local path spelling of the same remote, are fine.
	empty := t.TempDir()
	mustSync(t, Request{Remote: r.URL, Dir: empty, Reference: "master"})
	mustSync(t, Request{Remote: r.Dir, Dir: empty, Reference: "master"})
	assertAt(t, empty, r.Head(t, "master"))
}

func TestIntegrationSyncCloneFailureLeavesNothing(t *testing.T) {
	dir := checkoutDir(t)
	missing := "file://" + filepath.Join(t.TempDir(), "nope.git")
	_, err := Sync(context.Background(), Request{Remote: missing, Dir: dir, Reference: "master"})
	if err == nil || !strings.Contains(err.Error(), "cloning "+missing) {
		t.Fatalf("Sync error = %v, want a cloning error", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("failed clone left %s behind (%v)", dir, err)
	}
}

func equalResult(a, b Result) bool {
	return a.Commit == b.Commit && a.Kind == b.Kind && a.Name == b.Name &&
		a.Cloned == b.Cloned && a.Moved == b.Moved && len(a.Saved) == len(b.Saved)
}
