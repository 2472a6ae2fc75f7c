package engine_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/testenv"
)

// startSSHD runs Debian's sshd on a loopback port, key login only, for the
// current user, and returns its port. DOCKER_CONFIG is accepted from the
// client so that the engine-side docker CLI reads the test's config, not ~/.docker.
func startSSHD(t *testing.T, dir, authorizedKeys string) int {
	t.Helper()
	sshKeygen(t, filepath.Join(dir, "host_key"))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := filepath.Join(dir, "sshd_config")
	writeFile(t, cfg, fmt.Sprintf("ListenAddress 127.0.0.1:%d\nHostKey %s\nAuthorizedKeysFile %s\nPidFile %s\n"+
		"UsePAM no\nStrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nAcceptEnv DOCKER_CONFIG\n",
		port, filepath.Join(dir, "host_key"), authorizedKeys, filepath.Join(dir, "sshd.pid")))
	var logs bytes.Buffer
	cmd := exec.Command("/usr/sbin/sshd", "-D", "-e", "-f", cfg)
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting sshd: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("sshd:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return port
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd does not listen on port %d: %v", port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func sshKeygen(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestIntegrationConnectSSH reaches the local engine as ssh://alias: through
// a real sshd, a Host alias in the test HOME's ssh config, and the real
// `docker system dial-stdio` on the far side.
func TestIntegrationConnectSSH(t *testing.T) {
	testenv.Docker(t)
	home := isolate(t)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	sshDir := filepath.Join(home, ".ssh")
	sshKeygen(t, filepath.Join(sshDir, "id_engine"))
	pub, err := os.ReadFile(filepath.Join(sshDir, "id_engine.pub"))
	if err != nil {
		t.Fatal(err)
	}
	srv := t.TempDir()
	writeFile(t, filepath.Join(srv, "authorized_keys"), string(pub))
	port := startSSHD(t, srv, filepath.Join(srv, "authorized_keys"))
	hostPub, err := os.ReadFile(filepath.Join(srv, "host_key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(sshDir, "known_hosts"), fmt.Sprintf("[127.0.0.1]:%d %s", port, hostPub))
	writeFile(t, filepath.Join(sshDir, "config"), fmt.Sprintf("Host build-box\n  HostName 127.0.0.1\n  Port %d\n  User %s\n"+
		"  IdentityFile %s\n  IdentitiesOnly yes\n  IdentityAgent none\n  BatchMode yes\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n  SetEnv DOCKER_CONFIG=%s\n",
		port, me.Username, filepath.Join(sshDir, "id_engine"), filepath.Join(sshDir, "known_hosts"), filepath.Join(home, ".docker")))
	// OpenSSH reads the passwd entry's home, not $HOME; this ssh, first on
	// PATH, points the real client at the test HOME's config.
	bin := t.TempDir()
	writeFile(t, filepath.Join(bin, "ssh"), "#!/bin/sh\nexec /usr/bin/ssh -F \"$HOME/.ssh/config\" \"$@\"\n")
	if err := os.Chmod(filepath.Join(bin, "ssh"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	t.Setenv("DOCKER_HOST", "ssh://build-box")
	if ep := ping(t); ep.Local() || ep.Scheme() != "ssh" {
		t.Fatalf("endpoint = %+v", ep)
	}

	// A host key that is not the server's is refused, and the error says
	// what to check.
	writeFile(t, filepath.Join(sshDir, "known_hosts"), fmt.Sprintf("[127.0.0.1]:%d %s", port, pub))
	if _, _, err := connectErr(t); err == nil || !strings.Contains(err.Error(), "ssh build-box docker version") {
		t.Fatalf("changed host key: err = %v", err)
	}
}
