package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestIntegrationInterruptBinary sends SIGINT to a real x-platform process
// in the middle of a build script: it must exit non-zero and leave no
// builder container behind.
func TestIntegrationInterruptBinary(t *testing.T) {
	bin := buildBinary(t)
	p := newPlatform(t, "slow")
	p.writeManifest(func(_ string, svc map[string]string) {
		svc["build"] = `["touch started", "sleep 120"]`
	})
	cmd := exec.Command(bin, "--file", filepath.Join(p.root, "x-platform.yml"), "build")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	started := filepath.Join(p.root, "src/slow/started")
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(started); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the build script never started")
		}
	}
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
	if n := builderContainers(t, p); n != 0 {
		t.Fatalf("%d builder containers left behind", n)
	}
}
