package app

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestScriptsPassShellcheck keeps the shell scripts users and CI run portable
// and free of quoting mistakes.
func TestScriptsPassShellcheck(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	scripts, _ := filepath.Glob(filepath.Join(repo, "bin", "*"))
	sh, _ := filepath.Glob(filepath.Join(repo, "hack", "*.sh"))
	scripts = append(append(scripts, sh...), filepath.Join(repo, ".ci", "run"))
	if len(scripts) < 4 {
		t.Fatalf("found only %q", scripts)
	}
	if out, err := exec.Command("shellcheck", scripts...).CombinedOutput(); err != nil {
		t.Fatalf("shellcheck: %v\n%s", err, out)
	}
}

// fakeDocker is a `docker` first on PATH that answers what the wrapper asks
// and records the final `docker run`, one argument a line. It answers the
// folder probe as an engine that shares the host's folders when sees is set.
const fakeDocker = `#!/bin/sh
echo "DOCKER_HOST=${DOCKER_HOST:-} $*" >>"$FAKE_LOG"
case "$1 $2" in
"context inspect")
  [ "${FAKE_CONTEXT:-}" = broken ] && exit 1
  eval echo "${FAKE_CONTEXT:-default} ${FAKE_CONTEXT_HOST:-unix:///var/run/docker.sock}"; exit 0 ;;
"image inspect") exit 0 ;;
esac
if [ "$1 $2 $3" = "run --rm --entrypoint" ]; then
  for last in "$@"; do :; done
  [ -n "${FAKE_SEES:-}" ] && test -f "$last"
  exit
fi
[ "$1" = run ] && printf '%s\n' "$@" >"$FAKE_ARGS"
exit 0
`

type wrapperRun struct {
	code        int
	args        []string // the final docker run, one argument each
	log, stderr string
	home, root  string
}

func (w wrapperRun) has(seq ...string) bool {
	for i := 0; i+len(seq) <= len(w.args); i++ {
		if strings.Join(w.args[i:i+len(seq)], "\x00") == strings.Join(seq, "\x00") {
			return true
		}
	}
	return false
}

// runWrapper runs a copy of bin/x-platform in a new platform folder with a
// test HOME, the fake docker, env and setup(home) done first.
func runWrapper(t *testing.T, env map[string]string, setup func(home string)) wrapperRun {
	t.Helper()
	repo, _ := filepath.Abs("../..")
	w := wrapperRun{home: t.TempDir(), root: t.TempDir()}
	w.root, _ = filepath.EvalSymlinks(w.root)
	script, err := os.ReadFile(filepath.Join(repo, "bin", "x-platform"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(w.root, "bin", "x-platform"), string(script))
	fake := t.TempDir()
	writeFile(t, filepath.Join(fake, "docker"), fakeDocker)
	for _, f := range []string{filepath.Join(w.root, "bin", "x-platform"), filepath.Join(fake, "docker")} {
		if err := os.Chmod(f, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if setup != nil {
		setup(w.home)
	}
	logf, argsf := filepath.Join(fake, "log"), filepath.Join(fake, "args")
	cmd := exec.Command(filepath.Join(w.root, "bin", "x-platform"), "build", "--services", "a")
	cmd.Dir = w.root
	cmd.Env = []string{"PATH=" + fake + ":/usr/bin:/bin", "HOME=" + w.home, "FAKE_LOG=" + logf, "FAKE_ARGS=" + argsf}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run()
	w.code, w.stderr = cmd.ProcessState.ExitCode(), stderr.String()
	b, _ := os.ReadFile(logf)
	w.log = string(b)
	if b, err := os.ReadFile(argsf); err == nil {
		w.args = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	return w
}

func listen(t *testing.T, path string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return path
}

func TestWrapperEngines(t *testing.T) {
	uidgid := strconv.Itoa(os.Getuid()) + ":" + strconv.Itoa(os.Getgid())

	t.Run("socket on this machine", func(t *testing.T) {
		sock := listen(t, filepath.Join(t.TempDir(), "d.sock"))
		agent := listen(t, filepath.Join(t.TempDir(), "agent.sock"))
		w := runWrapper(t, map[string]string{"DOCKER_HOST": "unix://" + sock, "SSH_AUTH_SOCK": agent, "XP_SERVICES": "a", "XP_IMAGE": "xp:test"},
			func(home string) { _ = os.MkdirAll(filepath.Join(home, ".ssh"), 0o700) })
		if w.code != 0 || !w.has("-v", sock+":/var/run/docker.sock") || !w.has("--user", uidgid) || !w.has("--group-add", strconv.Itoa(os.Getgid())) ||
			!w.has("-v", agent+":"+agent) || !w.has("-v", w.home+"/.ssh:"+w.home+"/.ssh:ro") || !w.has("-e", "XP_SERVICES") || w.has("-e", "XP_IMAGE") ||
			!w.has("-v", w.root+":"+w.root) || !w.has("xp:test", "build", "--services", "a") || strings.Contains(w.log, "--entrypoint") {
			t.Fatalf("exit %d, docker run %q\nstderr %s\nlog %s", w.code, w.args, w.stderr, w.log)
		}
	})

	t.Run("BuildKit daemons on this machine", func(t *testing.T) {
		sock := listen(t, filepath.Join(t.TempDir(), "d.sock"))
		bk := listen(t, filepath.Join(t.TempDir(), "buildkitd.sock"))
		certs := t.TempDir()
		w := runWrapper(t, map[string]string{"DOCKER_HOST": "unix://" + sock, "XP_BUILDERS": "unix://" + bk + ", tcp://10.0.0.9:1234", "XP_BUILDER_CERT_PATH": certs}, nil)
		if w.code != 0 || !w.has("-v", bk+":"+bk) || !w.has("-v", certs+":"+certs+":ro") || !w.has("-e", "XP_BUILDERS") || !w.has("-e", "XP_BUILDER_CERT_PATH") {
			t.Fatalf("exit %d, docker run %q\nstderr %s", w.code, w.args, w.stderr)
		}
	})

	t.Run("Docker Desktop socket found in HOME", func(t *testing.T) {
		w := runWrapper(t, map[string]string{"FAKE_SEES": "1"}, func(home string) { listen(t, filepath.Join(home, ".docker/run/docker.sock")) })
		// The engine runs in Desktop's VM: its own socket path, its agent
		// socket, and a probe that it sees the platform folder.
		if w.code != 0 || !w.has("-v", "/var/run/docker.sock:/var/run/docker.sock") || w.has("--user", uidgid) ||
			!w.has("-e", "SSH_AUTH_SOCK=/run/host-services/ssh-auth.sock") || !strings.Contains(w.log, "DOCKER_HOST=unix://"+w.home+"/.docker/run/docker.sock run --rm --entrypoint") {
			t.Fatalf("exit %d, docker run %q\nstderr %s\nlog %s", w.code, w.args, w.stderr, w.log)
		}
	})

	t.Run("current docker context", func(t *testing.T) {
		w := runWrapper(t, map[string]string{"FAKE_SEES": "1", "FAKE_CONTEXT": "colima", "FAKE_CONTEXT_HOST": "unix://$HOME/.colima/default/docker.sock"},
			func(home string) { listen(t, filepath.Join(home, ".colima/default/docker.sock")) })
		// The docker CLI keeps using the context (DOCKER_HOST stays unset);
		// Colima's VM has the engine's socket at the usual path, and no
		// Desktop agent socket.
		if w.code != 0 || !w.has("-v", "/var/run/docker.sock:/var/run/docker.sock") || w.has("-e", "SSH_AUTH_SOCK=/run/host-services/ssh-auth.sock") ||
			!strings.Contains(w.log, "DOCKER_HOST= run --rm --entrypoint") || !strings.Contains(w.log, "context inspect --format {{.Name}} {{.Endpoints.docker.Host}}") {
			t.Fatalf("exit %d, docker run %q\nstderr %s\nlog %s", w.code, w.args, w.stderr, w.log)
		}
	})

	t.Run("unknown docker context", func(t *testing.T) {
		w := runWrapper(t, map[string]string{"DOCKER_CONTEXT": "nope", "FAKE_CONTEXT": "broken"}, nil)
		if w.code != 2 || w.args != nil || !strings.Contains(w.stderr, "cannot read docker context nope (DOCKER_CONTEXT)") {
			t.Fatalf("exit %d, docker run %q\nstderr %s", w.code, w.args, w.stderr)
		}
	})

	t.Run("tcp engine sharing the folder", func(t *testing.T) {
		w := runWrapper(t, map[string]string{"DOCKER_HOST": "tcp://docker:2375", "FAKE_SEES": "1"}, func(home string) { _ = os.MkdirAll(filepath.Join(home, ".ssh"), 0o700) })
		if w.code != 0 || !w.has("-v", "/var/run/docker.sock:/var/run/docker.sock") || !w.has("-e", "DOCKER_HOST=unix:///var/run/docker.sock") ||
			w.has("-v", w.home+"/.ssh:"+w.home+"/.ssh:ro") || !strings.Contains(w.stderr, "not on this machine") {
			t.Fatalf("exit %d, docker run %q\nstderr %s\nlog %s", w.code, w.args, w.stderr, w.log)
		}
	})

	t.Run("ssh engine with its socket path", func(t *testing.T) {
		w := runWrapper(t, map[string]string{"DOCKER_HOST": "ssh://ci@build-box/run/user/1000/docker.sock", "FAKE_SEES": "1"}, nil)
		if w.code != 0 || !w.has("-v", "/run/user/1000/docker.sock:/var/run/docker.sock") {
			t.Fatalf("exit %d, docker run %q\nstderr %s", w.code, w.args, w.stderr)
		}
	})

	for _, host := range []string{"tcp://10.0.0.9:2376", "ssh://ci@build-box"} {
		t.Run(host+" not sharing the folder", func(t *testing.T) {
			w := runWrapper(t, map[string]string{"DOCKER_HOST": host}, nil)
			if w.code != 2 || w.args != nil || !strings.Contains(w.stderr, host+" does not see "+w.root) || !strings.Contains(w.stderr, "XP_LOCAL=1") {
				t.Fatalf("exit %d, docker run %q\nstderr %s", w.code, w.args, w.stderr)
			}
			if left, _ := os.ReadDir(filepath.Join(w.root, ".x-platform")); len(left) != 0 {
				t.Fatalf("the probe left %v behind", left)
			}
		})
	}

	t.Run("no socket", func(t *testing.T) {
		w := runWrapper(t, map[string]string{"DOCKER_HOST": "unix:///nonexistent/docker.sock"}, nil)
		if w.code != 2 || w.args != nil || !strings.Contains(w.stderr, "no Docker engine socket at /nonexistent/docker.sock") {
			t.Fatalf("exit %d, docker run %q\nstderr %s", w.code, w.args, w.stderr)
		}
	})
}
