package gitsync

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

// TestSyncWithoutGitBinary syncs twice from a local remote in a child process
// whose PATH has no git, as inside the orchestrator's image.
func TestSyncWithoutGitBinary(t *testing.T) {
	if dir := os.Getenv("XP_GITSYNC_NOGIT_DIR"); dir != "" {
		for range 2 {
			res, err := Sync(context.Background(), Request{Remote: os.Getenv("XP_GITSYNC_NOGIT_REMOTE"), Dir: dir, Reference: "origin/master"})
			if err != nil {
				fmt.Println("sync failed:", err)
				os.Exit(1)
			}
			fmt.Println(res.Commit)
		}
		os.Exit(0)
	}
	remote := testenv.NewRemote(t, map[string]string{"a.txt": "a\n"})
	sha := remote.Head(t, "master")
	dir := checkoutDir(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestSyncWithoutGitBinary$")
	cmd.Env = append(os.Environ(), "PATH=/nonexistent", "XP_GITSYNC_NOGIT_DIR="+dir, "XP_GITSYNC_NOGIT_REMOTE="+remote.URL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sync without git: %v\n%s", err, out)
	}
	if got := strings.Fields(string(out)); len(got) != 2 || got[0] != sha || got[1] != sha {
		t.Fatalf("child printed %q, want %s twice", out, sha)
	}
	assertAt(t, dir, sha)
	if got := readFile(t, dir, "a.txt"); got != "a\n" {
		t.Fatalf("a.txt = %q", got)
	}
}
