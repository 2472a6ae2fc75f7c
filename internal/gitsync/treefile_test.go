package gitsync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationTreeFileStaysInTheCommit reads files of a commit through
// symbolic links: links inside the folder are followed, links out of it —
// to a host file, to a pipe, up the repository — are refused without
// reading the machine's files, and Peek, which plan uses, reads the same.
func TestIntegrationTreeFileStaysInTheCommit(t *testing.T) {
	host := t.TempDir()
	secret := filepath.Join(host, "secret")
	if err := os.WriteFile(secret, []byte("FROM host-secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(host, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	r := testenv.NewRemote(t, map[string]string{
		"svc/docker/Dockerfile.real": "FROM inside\n",
		"other/Dockerfile":           "FROM other\n",
	})
	links := map[string]string{
		"svc/Dockerfile": "docker/Dockerfile.real",
		"svc/Chain":      "Dockerfile",
		"svc/dir":        "docker",
		"svc/Up":         "../other/Dockerfile",
		"svc/Host":       secret,
		"svc/Fifo":       fifo,
		"svc/Escape":     "../../../../../../../../" + strings.TrimPrefix(secret, "/"),
		"svc/Gone":       "nothing-here",
		"svc/Loop":       "Loop",
	}
	var head string
	for name, target := range links {
		head = r.Link(t, "master", name, target, "link "+name)
	}
	dir := checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"})
	// The worktree's copy is not what the commit holds.
	put(t, dir, "svc/docker/Dockerfile.real", "FROM uncommitted\n")

	tests := []struct {
		sub, name string
		want      string // content, or "error: <part of the message>"
	}{
		{"svc", "svc/Dockerfile", "FROM inside\n"},
		{"svc", "svc/Chain", "FROM inside\n"},
		{"svc", "svc/dir/Dockerfile.real", "FROM inside\n"},
		{"", "svc/Up", "FROM other\n"},
		{"svc", "svc/Up", "error: svc/Up is a symbolic link to ../other/Dockerfile, outside folder svc"},
		{"svc", "svc/Host", "error: svc/Host is a symbolic link to " + secret + ", outside folder svc"},
		{"", "svc/Host", "error: outside the repository"},
		{"svc", "svc/Fifo", "error: svc/Fifo is a symbolic link to " + fifo},
		{"", "svc/Escape", "error: outside the repository"},
		{"svc", "svc/Gone", "error: svc/Gone leads to svc/nothing-here, which the commit does not have"},
		{"svc", "svc/Loop", "error: too many levels of symbolic links"},
		{"svc", "svc/Missing", "error: the commit has no svc/Missing"},
		{"svc", "svc/docker", "error: svc/docker is not a file"},
	}
	for _, tt := range tests {
		t.Run(tt.sub+":"+tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var got []byte
			var err error
			go func() {
				defer close(done)
				got, err = TreeFile(dir, head, tt.sub, tt.name)
			}()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				unblock(fifo)
				t.Fatalf("TreeFile(%s) did not return: it reads the machine's files", tt.name)
			}
			check(t, "TreeFile", got, err, tt.want)
			// Twice: the second answer comes from the copy kept in .git.
			got, err = TreeFile(dir, head, tt.sub, tt.name)
			check(t, "TreeFile again", got, err, tt.want)

			snap, err := Peek(context.Background(), r.URL, "refs/heads/master", tt.sub, tt.name)
			if err == nil {
				b, ok := snap.Files[tt.name]
				if !ok {
					err = ErrNoFile
				}
				got = b
			}
			if !strings.HasPrefix(tt.want, "error: ") || !errors.Is(err, ErrNoFile) {
				check(t, "Peek", got, err, tt.want)
			}
		})
	}
}

func check(t *testing.T, what string, got []byte, err error, want string) {
	t.Helper()
	if msg, ok := strings.CutPrefix(want, "error: "); ok {
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s = %q, %v; want an error saying %q", what, got, err, msg)
		}
		if strings.Contains(string(got), "host-secret") || (err != nil && strings.Contains(err.Error(), "host-secret")) {
			t.Errorf("%s read the host's file", what)
		}
		return
	}
	if err != nil || string(got) != want {
		t.Errorf("%s = %q, %v; want %q", what, got, err, want)
	}
}

// unblock opens the pipe for writing, so a reader stuck on it returns.
func unblock(fifo string) {
	if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
		f.Close()
	}
}
