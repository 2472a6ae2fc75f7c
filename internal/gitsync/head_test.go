package gitsync

import (
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/retry"
	"github.com/x-platform/x-platform/internal/testenv"
)

func TestReadTipFollowsHEAD(t *testing.T) {
	r := testenv.NewRemote(t, map[string]string{"Dockerfile": "FROM old\n"})
	trunk := r.Commit(t, "trunk", map[string]string{"Dockerfile": "FROM new\n", "k8s/app.yaml": "kind: Deployment\n", "README.md": "x\n"}, "trunk")
	testenv.RunGit(t, r.Dir, "symbolic-ref", "HEAD", "refs/heads/trunk")

	tip, err := NewClient(retry.Policy{}).ReadTip(t.Context(), r.URL, func(p string) bool { return p == "Dockerfile" || strings.HasPrefix(p, "k8s/") })
	if err != nil {
		t.Fatal(err)
	}
	if tip.Branch != "trunk" || tip.Commit != trunk {
		t.Fatalf("tip = %s at %s, want trunk at %s", tip.Branch, tip.Commit, trunk)
	}
	if len(tip.Files) != 2 || string(tip.Files["Dockerfile"]) != "FROM new\n" || string(tip.Files["k8s/app.yaml"]) != "kind: Deployment\n" {
		t.Fatalf("files = %q", tip.Files)
	}

	empty := t.TempDir()
	testenv.RunGit(t, "", "init", "--quiet", "--bare", empty)
	if _, err := ReadTip(t.Context(), empty, func(string) bool { return true }); err == nil || !strings.Contains(err.Error(), "push a branch") {
		t.Fatalf("an empty repository: %v", err)
	}
}

func TestReadRefTakesBranchesAndTags(t *testing.T) {
	r := testenv.NewRemote(t, map[string]string{"a.txt": "master\n"})
	feature := r.Commit(t, "feature", map[string]string{"a.txt": "feature\n"}, "feature")
	testenv.RunGit(t, r.Dir, "tag", "-a", "-m", "v1", "v1", "feature")
	client := NewClient(retry.Policy{})
	all := func(string) bool { return true }
	for _, tt := range []struct{ ref, branch, text string }{{"", "master", "master\n"}, {"feature", "feature", "feature\n"}, {"v1", "", "feature\n"}} {
		tip, err := client.ReadRef(t.Context(), r.URL, tt.ref, all)
		if err != nil {
			t.Fatalf("%q: %v", tt.ref, err)
		}
		if tip.Branch != tt.branch || string(tip.Files["a.txt"]) != tt.text || (tt.ref != "" && tip.Commit != feature) {
			t.Errorf("%q: branch %q at %s, a.txt %q", tt.ref, tip.Branch, tip.Commit, tip.Files["a.txt"])
		}
	}
	if _, err := client.ReadRef(t.Context(), r.URL, "nope", all); err == nil || !strings.Contains(err.Error(), "no branch or tag of that name") {
		t.Fatalf("an unknown ref: %v", err)
	}
}

func TestCurrentBranch(t *testing.T) {
	r := testenv.NewRemote(t, map[string]string{"a.txt": "x\n"})
	dir := t.TempDir()
	testenv.RunGit(t, "", "clone", "--quiet", r.URL, dir)
	testenv.RunGit(t, dir, "checkout", "--quiet", "-b", "topic/x")
	if b, err := CurrentBranch(dir); err != nil || b != "topic/x" {
		t.Fatalf("CurrentBranch = %q, %v", b, err)
	}
	testenv.RunGit(t, dir, "checkout", "--quiet", "--detach")
	if _, err := CurrentBranch(dir); err == nil || !strings.Contains(err.Error(), "detached") {
		t.Fatalf("a detached HEAD: %v", err)
	}
}
