package app

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/flock"
)

// TestIntegrationConcurrentSyncs runs two syncs of one platform folder at
// once, 15 rounds each way. Without --wait one may fail at once, with the
// lock's message and ExitBusy; with --wait both succeed; with --force
// neither saves the other's files. No run ever sees local work.
func TestIntegrationConcurrentSyncs(t *testing.T) {
	bin := buildBinary(t)
	for _, mode := range []string{"fail", "wait", "force"} {
		t.Run(mode, func(t *testing.T) {
			p := newSyncPlatform(t, bin, versionedFiles(300, 64, "v0"))
			args := []string{"sync"}
			switch mode {
			case "wait":
				args = []string{"--wait", "sync"}
			case "force":
				args = []string{"sync", "--force"}
			}
			busy := 0
			for round := range 15 {
				files := versionedFiles(300, 64, fmt.Sprintf("v%d", round+1))
				next := p.remote.Commit(t, "master", files, "next")
				var cmds [2]*exec.Cmd
				var stderrs [2]*lockedBuffer
				for i := range cmds {
					cmds[i], stderrs[i] = p.command(args...)
					if err := cmds[i].Start(); err != nil {
						t.Fatal(err)
					}
				}
				for i, cmd := range cmds {
					_ = cmd.Wait()
					code, stderr := cmd.ProcessState.ExitCode(), stderrs[i].String()
					switch {
					case strings.Contains(stderr, "local work"):
						t.Fatalf("round %d: a run saw local work:\n%s", round, stderr)
					case code == ExitBusy && mode != "wait":
						busy++
						want := "another x-platform run holds " + p.lockPath("")
						if !strings.Contains(stderr, want) || !strings.Contains(stderr, ": wait for it, or pass --wait") {
							t.Fatalf("round %d: busy run said %q, want %q...", round, stderr, want)
						}
					case code != 0:
						t.Fatalf("round %d: exit %d:\n%s", round, code, stderr)
					}
				}
				p.assertExact(next, files)
			}
			t.Logf("%s: %d of 30 runs found the folder busy", mode, busy)
			if mode != "wait" && busy == 0 {
				t.Fatal("no two runs overlapped: the test proved nothing")
			}
		})
	}
}

// TestIntegrationSyncAfterStoppedCheckout stops a real run half-way through
// a checkout, by SIGKILL and by Ctrl-C (SIGINT), and checks that the next
// run finishes it: no local work, the exact tree.
func TestIntegrationSyncAfterStoppedCheckout(t *testing.T) {
	bin := buildBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			const n = 1500
			p := newSyncPlatform(t, bin, versionedFiles(n, 4096, "one"))
			if code, stderr := p.runBin("sync"); code != 0 {
				t.Fatalf("first sync: exit %d:\n%s", code, stderr)
			}
			files := versionedFiles(n, 4096, "two")
			next := p.remote.Commit(t, "master", files, "second")

			cmd, stderr := p.command("sync")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			// Files are written in index order: one a tenth of the way in
			// being new means the checkout is under way.
			watch := filepath.Join(p.checkout(), versionedName(n/10))
			poll(t, 2*time.Minute, "the checkout to be under way", func() bool {
				b, _ := os.ReadFile(watch)
				return strings.HasPrefix(string(b), "two")
			})
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			if cmd.ProcessState.Success() {
				t.Fatalf("the run ended before it was stopped; nothing was tested:\n%s", stderr)
			}
			if b, _ := os.ReadFile(filepath.Join(p.checkout(), versionedName(n-1))); strings.HasPrefix(string(b), "two") {
				t.Fatalf("the checkout was complete when stopped; nothing was tested")
			}

			code, out := p.runBin("sync")
			if code != 0 {
				t.Fatalf("sync after %s: exit %d:\n%s", sig, code, out)
			}
			p.assertExact(next, files)
		})
	}
}

// TestIntegrationHeldLock holds the platform folder's lock as another run
// would and checks each way a run meets it.
func TestIntegrationHeldLock(t *testing.T) {
	p := newSyncPlatform(t, "", versionedFiles(3, 8, "one"))
	path := p.lockPath("platform.lock")
	holder := flock.Holder{PID: 4242, Host: "ci-7", Started: time.Now(), Command: "x-platform lock"}
	hold := func(mode flock.Mode) *flock.Lock {
		l, err := flock.Acquire(t.Context(), path, mode, flock.Options{Self: holder})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	l := hold(flock.Exclusive)

	t.Run("fails at once", func(t *testing.T) {
		for _, args := range [][]string{{"sync"}, {"pin", "--no-verify", "svc", "v1"}} {
			stderr := &lockedBuffer{}
			code := p.runIn(t.Context(), stderr, args...)
			want := fmt.Sprintf("x-platform: another x-platform run holds %s (pid 4242 on host ci-7 since %s: x-platform lock): wait for it, or pass --wait\n",
				path, holder.Started.Local().Format(time.DateTime))
			if code != ExitBusy || stderr.String() != want {
				t.Fatalf("%s: exit %d, stderr %q; want exit %d, %q", args[0], code, stderr, ExitBusy, want)
			}
		}
	})

	t.Run("waits at most --wait=DURATION", func(t *testing.T) {
		stderr := &lockedBuffer{}
		start := time.Now()
		code := p.runIn(t.Context(), stderr, "--wait=500ms", "sync")
		if code != ExitBusy || !strings.Contains(stderr.String(), "still holds "+path) || time.Since(start) < 500*time.Millisecond {
			t.Fatalf("exit %d after %s, stderr %q", code, time.Since(start), stderr)
		}
	})

	t.Run("Ctrl-C ends the wait", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		stderr := &lockedBuffer{}
		done := make(chan int, 1)
		go func() { done <- p.runIn(ctx, stderr, "--wait", "sync") }()
		waitFor(t, time.Minute, "the run to wait", func() bool { return strings.Contains(stderr.String(), "waiting for pid 4242 on host ci-7") })
		cancel()
		if code := <-done; code == 0 || code == ExitBusy || !strings.Contains(stderr.String(), "interrupted") {
			t.Fatalf("interrupted wait: exit %d, stderr %q", code, stderr)
		}
	})

	t.Run("--wait takes it once released", func(t *testing.T) {
		stderr := &lockedBuffer{}
		done := make(chan int, 1)
		go func() { done <- p.runIn(t.Context(), stderr, "--wait", "sync") }()
		waitFor(t, time.Minute, "the run to wait", func() bool { return strings.Contains(stderr.String(), "waiting for") })
		l.Release()
		if code := <-done; code != 0 {
			t.Fatalf("exit %d after the lock was released:\n%s", code, stderr)
		}
	})

	t.Run("shared holders do not block sync, but do block pin", func(t *testing.T) {
		l := hold(flock.Shared)
		defer l.Release()
		if code := p.runIn(t.Context(), &lockedBuffer{}, "sync"); code != 0 {
			t.Fatalf("sync beside a shared holder: exit %d", code)
		}
		if code := p.runIn(t.Context(), &lockedBuffer{}, "pin", "--no-verify", "svc", "v1"); code != ExitBusy {
			t.Fatalf("pin beside a shared holder: exit %d, want %d", code, ExitBusy)
		}
	})
}
