package app

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestCommandLineCheckedBeforeDocker shows that a mistake in the command
// line is reported before any engine is dialled: the Docker socket here
// counts every connection, and none may come.
func TestCommandLineCheckedBeforeDocker(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "x-platform.yml")
	if err := os.WriteFile(good, []byte("registry: r.example.com/x\nservices:\n  a:\n    dir: src/a\n    git: {remote: ./a.git, reference: master}\n    dockerBuilder: {image: b:1, workdir: /w}\n    docker: {image: a}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var dialled atomic.Int32
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			dialled.Add(1)
			conn.Close()
		}
	}()
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	t.Setenv("XP_BUILDERS", "")
	t.Setenv("XP_LOCAL_FOLDERS", "")

	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"build unknown service", []string{"build", "--services", "zz"}, "unknown service zz (valid: a)"},
		{"sync unknown service", []string{"sync", "--services", "a,zz"}, "unknown service zz (valid: a)"},
		{"list unknown service", []string{"list", "--services", "zz"}, "unknown service zz (valid: a)"},
		{"plan unknown service", []string{"plan", "--services", "zz"}, "unknown service zz (valid: a)"},
		{"build unknown local service", []string{"build", "--local", "zz=" + dir}, "zz"},
		{"build locked without a lock", []string{"build", "--locked"}, "x-platform.lock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := dialled.Load()
			var out, errOut bytes.Buffer
			code := Run(context.Background(), append([]string{"x-platform", "--file", good}, tt.args...), Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, ExitUsage, errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.stderr) {
				t.Fatalf("stderr %q, want it to say %q", errOut.String(), tt.stderr)
			}
			if strings.Contains(errOut.String(), "Docker engine") {
				t.Fatalf("stderr speaks of Docker for a command line mistake: %q", errOut.String())
			}
			if n := dialled.Load() - before; n != 0 {
				t.Fatalf("the Docker socket was dialled %d times before the mistake was reported", n)
			}
			if out.Len() != 0 {
				t.Fatalf("stdout %q, want nothing", out.String())
			}
		})
	}
}
