package app

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/testenv"
)

// fakeDockerSweep stands in for the docker CLI: the credential-hosts run
// names one registry, the main run records its arguments and then sleeps
// FAKE_SLEEP seconds, as a long build would.
const fakeDockerSweep = `#!/bin/sh
case "$1" in
image) exit 0 ;;
run)
  case "$*" in
  *credential-hosts*) printf 'reg.example.com:5000\t` + testenv.HelperName + `\treg.example.com:5000\n'; exit 0 ;;
  esac
  echo "$*" >"$FAKE_DOCKER_ARGS.tmp" && mv "$FAKE_DOCKER_ARGS.tmp" "$FAKE_DOCKER_ARGS"
  sleep "$FAKE_SLEEP"
  ;;
esac
`

// sweepWrapper runs bin/x-platform with the fake docker and one TMPDIR.
type sweepWrapper struct {
	t             *testing.T
	bin, tmp, dir string
	sock          string
}

// start starts a wrapper whose docker run lasts sleep seconds and returns
// it with the credentials folder it mounted.
func (w *sweepWrapper) start(sleep int) (*exec.Cmd, string, *strings.Builder) {
	w.t.Helper()
	argsFile := filepath.Join(w.t.TempDir(), "args")
	cmd := exec.Command("../../bin/x-platform", "--file", "x-platform.yml", "build")
	cmd.Env = append(os.Environ(), "PATH="+w.bin+":"+os.Getenv("PATH"), "TMPDIR="+w.tmp, "XP_LOCAL=",
		"DOCKER_HOST=unix://"+w.sock, "FAKE_DOCKER_ARGS="+argsFile, fmt.Sprintf("FAKE_SLEEP=%d", sleep))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	var args []byte
	var err error
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if args, err = os.ReadFile(argsFile); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		w.t.Fatalf("the wrapper never ran docker: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`-v (\S+):/run/x-platform/credentials:ro`).FindSubmatch(args)
	if m == nil {
		w.t.Fatalf("no credentials folder mounted: %s", args)
	}
	return cmd, string(m[1]), stderr
}

// TestWrapperSweepsStaleCredentials: a credentials folder left by a
// wrapper killed with SIGKILL (no trap runs) is removed by the next run;
// the folder of a wrapper still running, another user's, one made on
// another machine and a fresh one without a pid file are kept.
func TestWrapperSweepsStaleCredentials(t *testing.T) {
	testenv.DockerConfig(t, nil, map[string]string{"reg.example.com:5000": testenv.HelperName})
	testenv.CredentialHelper(t, map[string][2]string{"reg.example.com:5000": {"bot", "s3cret-pw"}})
	w := &sweepWrapper{t: t, bin: t.TempDir(), tmp: t.TempDir()}
	writeFile(t, filepath.Join(w.bin, "docker"), fakeDockerSweep)
	if err := os.Chmod(filepath.Join(w.bin, "docker"), 0o755); err != nil {
		t.Fatal(err)
	}
	w.sock = filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", w.sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	killed, killedDir, _ := w.start(60)
	if err := syscall.Kill(-killed.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = killed.Wait()
	if _, err := os.Stat(filepath.Join(killedDir, "reg.example.com:5000")); err != nil {
		t.Fatalf("the killed wrapper's folder should still hold the credentials before the next run: %v", err)
	}
	live, liveDir, _ := w.start(60)

	// Folders no run may remove: another machine's (its pid means nothing
	// here), another user's, and one whose wrapper has not written its pid
	// yet; and one without a pid file that is days old, which goes.
	gone := deadPID(t)
	node, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := staleFolder(t, w.tmp, "elsewhere", fmt.Sprintf("%d other-%s\n", gone, node))
	fresh := staleFolder(t, w.tmp, "fresh", "")
	old := staleFolder(t, w.tmp, "old", "")
	longAgo := time.Now().Add(-72 * time.Hour)
	if err := os.Chtimes(old, longAgo, longAgo); err != nil {
		t.Fatal(err)
	}
	var others string
	if os.Getuid() == 0 {
		others = staleFolder(t, w.tmp, "others", fmt.Sprintf("%d %s\n", gone, unameN(t)))
		if err := os.Chown(others, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}

	own, ownDir, stderr := w.start(0)
	if err := own.Wait(); err != nil {
		t.Fatalf("a wrapper run: %v\n%s", err, stderr.String())
	}
	for _, d := range []string{killedDir, old, ownDir} {
		if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is still there after a run: %v\n%s", d, err, stderr.String())
		}
	}
	for _, d := range []string{liveDir, elsewhere, fresh, others} {
		if d == "" {
			continue
		}
		if _, err := os.Stat(d); err != nil {
			t.Errorf("a run removed %s: %v", d, err)
		}
	}
	if _, err := os.Stat(filepath.Join(liveDir, "reg.example.com:5000")); err != nil {
		t.Errorf("the running wrapper lost its credentials: %v", err)
	}
	if err := syscall.Kill(live.Process.Pid, 0); err != nil {
		t.Errorf("the live wrapper ended: %v", err)
	}
}

// staleFolder makes a credentials folder in tmp with pid as its .pid
// file, or none when pid is "".
func staleFolder(t *testing.T, tmp, name, pid string) string {
	t.Helper()
	d := filepath.Join(tmp, "x-platform-credentials."+name)
	if err := os.Mkdir(d, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(d, "reg.example.com:5000"), "{}")
	if pid != "" {
		writeFile(t, filepath.Join(d, ".pid"), pid)
	}
	return d
}

// deadPID is the pid of a process that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func unameN(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("uname", "-n").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}
