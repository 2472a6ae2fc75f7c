package app

import (
	"errors"
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

// fakeDockerCredentials stands in for the docker CLI: the credential-hosts run names
// one registry, the main run records its arguments and waits to be stopped.
const fakeDockerCredentials = `#!/bin/sh
case "$1" in
image) exit 0 ;;
run)
  case "$*" in
  *credential-hosts*) printf 'reg.example.com:5000\t` + testenv.HelperName + `\treg.example.com:5000\n../escape\t` + testenv.HelperName + `\tx\n'; exit 0 ;;
  esac
  echo "$*" >"$FAKE_DOCKER_ARGS.tmp" && mv "$FAKE_DOCKER_ARGS.tmp" "$FAKE_DOCKER_ARGS"
  sleep 60
  ;;
esac
`

// TestWrapperRemovesCredentialsOnInterrupt drives bin/x-platform with a
// fake docker CLI and a real credential helper: the helper's answer is
// handed over in a private folder that is gone after Ctrl-C.
func TestWrapperRemovesCredentialsOnInterrupt(t *testing.T) {
	testenv.DockerConfig(t, nil, map[string]string{"reg.example.com:5000": testenv.HelperName})
	testenv.CredentialHelper(t, map[string][2]string{"reg.example.com:5000": {"bot", "s3cret-pw"}})
	bin := t.TempDir()
	writeFile(t, filepath.Join(bin, "docker"), fakeDockerCredentials)
	if err := os.Chmod(filepath.Join(bin, "docker"), 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tmp, argsFile := t.TempDir(), filepath.Join(t.TempDir(), "args")

	cmd := exec.Command("../../bin/x-platform", "--file", "x-platform.yml", "build")
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "TMPDIR="+tmp, "XP_LOCAL=",
		"DOCKER_HOST=unix://"+sock, "FAKE_DOCKER_ARGS="+argsFile)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var args []byte
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if args, err = os.ReadFile(argsFile); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("the wrapper never ran docker: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`-v (\S+):/run/x-platform/credentials:ro -e XP_CREDENTIALS_DIR=/run/x-platform/credentials`).FindSubmatch(args)
	if m == nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("no credentials folder mounted: %s", args)
	}
	dir := string(m[1])
	checkMode(t, dir, 0o700)
	checkMode(t, filepath.Join(dir, "reg.example.com:5000"), 0o600)
	if entries, _ := os.ReadDir(dir); len(entries) != 2 || entries[0].Name() != ".pid" {
		t.Errorf("credentials folder holds %v, want only .pid and reg.example.com:5000", entries)
	}
	if strings.Contains(string(args), "s3cret-pw") {
		t.Errorf("the docker command line shows the password: %s", args)
	}

	// Ctrl-C reaches the whole foreground process group.
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d after Ctrl-C, want 130\n%s", code, stderr.String())
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("credentials folder %s is still there after Ctrl-C: %v", dir, err)
	}
	if strings.Contains(stderr.String(), "s3cret-pw") {
		t.Errorf("stderr shows the password:\n%s", stderr.String())
	}
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s has mode %v, want %v", path, got, want)
	}
}
