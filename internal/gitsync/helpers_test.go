package gitsync

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

// mustSync runs Sync and fails the test on error.
func mustSync(t *testing.T, req Request) Result {
	t.Helper()
	res, err := Sync(context.Background(), req)
	if err != nil {
		t.Fatalf("Sync(%s @ %s): %v", req.Remote, req.Reference, err)
	}
	return res
}

func checkoutDir(t *testing.T) string {
	return filepath.Join(t.TempDir(), "src", "svc")
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return testenv.RunGit(t, dir, args...)
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func put(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// assertAt checks that dir is detached at sha and that git itself finds the
// worktree clean, which also proves the index we write is one git accepts.
func assertAt(t *testing.T, dir, sha string) {
	t.Helper()
	if got := gitOut(t, dir, "rev-parse", "HEAD"); got != sha {
		t.Errorf("HEAD = %s, want %s", got, sha)
	}
	if got := gitOut(t, dir, "rev-parse", "--abbrev-ref", "HEAD"); got != "HEAD" {
		t.Errorf("HEAD is on branch %s, want it detached", got)
	}
	if got := gitOut(t, dir, "status", "--porcelain", "--untracked-files=no"); got != "" {
		t.Errorf("git status after sync:\n%s", got)
	}
}
