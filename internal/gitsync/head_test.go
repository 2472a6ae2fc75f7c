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
