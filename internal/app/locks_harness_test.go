package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/testenv"
)

// syncPlatform is a platform folder of one service, enough for sync and
// pin: no engine, no registry is ever asked.
type syncPlatform struct {
	t      *testing.T
	root   string
	bin    string // the x-platform binary, when runs are processes
	home   string
	remote *testenv.Remote
}

func newSyncPlatform(t *testing.T, bin string, files map[string]string) *syncPlatform {
	t.Helper()
	p := &syncPlatform{t: t, root: t.TempDir(), bin: bin, home: t.TempDir(), remote: testenv.NewRemote(t, files)}
	manifest := fmt.Sprintf(`registry: 127.0.0.1:1/x
services:
  svc:
    dir: src/svc
    git:
      remote: %s
      reference: master
    dockerBuilder:
      image: none
      workdir: /work
    docker:
      image: svc
    scripts:
      build: ["true"]
`, p.remote.URL)
	writeFile(t, filepath.Join(p.root, "x-platform.yml"), manifest)
	return p
}

func (p *syncPlatform) checkout() string { return filepath.Join(p.root, "src", "svc") }

func (p *syncPlatform) lockPath(name string) string {
	return filepath.Join(p.root, ".x-platform", "locks", name)
}

// command is the binary run on the platform with args, in its own HOME.
func (p *syncPlatform) command(args ...string) (*exec.Cmd, *lockedBuffer) {
	cmd := exec.Command(p.bin, append([]string{"--file", filepath.Join(p.root, "x-platform.yml")}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+p.home)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	return cmd, stderr
}

// runBin runs the binary to its end and returns its exit code and stderr.
func (p *syncPlatform) runBin(args ...string) (int, string) {
	p.t.Helper()
	cmd, stderr := p.command(args...)
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		p.t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// runIn runs x-platform in this process and returns its exit code.
func (p *syncPlatform) runIn(ctx context.Context, stderr *lockedBuffer, args ...string) int {
	all := append([]string{"x-platform", "--file", filepath.Join(p.root, "x-platform.yml")}, args...)
	return Run(ctx, all, Streams{In: strings.NewReader(""), Out: &lockedBuffer{}, Err: stderr})
}

// assertExact checks that the checkout is at commit with exactly files in
// it: nothing changed, nothing untracked, nothing left behind.
func (p *syncPlatform) assertExact(commit string, files map[string]string) {
	p.t.Helper()
	dir := p.checkout()
	if got := testenv.RunGit(p.t, dir, "rev-parse", "HEAD"); got != commit {
		p.t.Errorf("HEAD = %s, want %s", got, commit)
	}
	if got := testenv.RunGit(p.t, dir, "status", "--porcelain", "--untracked-files=all", "--ignored"); got != "" {
		p.t.Errorf("git status is not clean:\n%s", got)
	}
	for name, want := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(b) != want {
			p.t.Errorf("%s = %.20q (%v), want %.20q", name, b, err, want)
		}
	}
	for _, leftover := range []string{".x-platform/backups"} {
		if _, err := os.Stat(filepath.Join(p.root, leftover)); err == nil {
			p.t.Errorf("%s exists: a run saved the other run's files as local work", leftover)
		}
	}
}

// versionedFiles are n files of size bytes each, all changed by a new
// version.
func versionedFiles(n, size int, version string) map[string]string {
	files := map[string]string{}
	pad := strings.Repeat("x", size)
	for i := range n {
		files[versionedName(i)] = fmt.Sprintf("%s %d\n%s\n", version, i, pad)
	}
	return files
}

// versionedName orders files as a checkout writes them: by number.
func versionedName(i int) string { return fmt.Sprintf("d%02d/f%04d.txt", i/100, i) }

// lockedBuffer is a bytes.Buffer a test may read while a run writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// poll waits for ok, looking far more often than waitFor: it must catch a
// checkout of a few hundred milliseconds half-way.
func poll(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %s", what, limit)
		}
		time.Sleep(time.Millisecond)
	}
}
