package app

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationInterruptBinary sends SIGINT to a real x-platform process
// in the middle of a build script: it must exit non-zero and leave none of
// the script's processes running.
func TestIntegrationInterruptBinary(t *testing.T) {
	bin := buildBinary(t)
	p := newPlatform(t, "slow")
	marker := testenv.UniqueName(t, "xp-sigint")
	p.writeManifest(func(_ string, svc map[string]string) {
		svc["build"] = fmt.Sprintf(`["sleep 120; echo %s"]`, marker)
	})
	cmd := exec.Command(bin, "--file", filepath.Join(p.root, "x-platform.yml"), "build")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitFor(t, 2*time.Minute, "the build script to start", func() bool { return running(marker) })
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		if cmd.ProcessState.ExitCode() == 0 {
			t.Fatal("an interrupted build exited 0")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("x-platform did not stop after SIGINT")
	}
	waitFor(t, 30*time.Second, "the script's processes to end", func() bool { return !running(marker) })
}
