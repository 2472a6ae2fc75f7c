package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationConnectSSH reaches the local engine as ssh://alias: through
// a real sshd, a Host alias in the test HOME's ssh config, and the real
// `docker system dial-stdio` on the far side.
func TestIntegrationConnectSSH(t *testing.T) {
	testenv.Docker(t)
	isolate(t)
	d := testenv.StartSSHD(t)
	home := testenv.SSHHome(t, d, "build-box")
	t.Setenv("HOME", home)
	sshDir := filepath.Join(home, ".ssh")
	// OpenSSH's own client needs no prompt and reads known_hosts from the
	// passwd entry's home unless told otherwise.
	f, err := os.OpenFile(filepath.Join(sshDir, "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = fmt.Fprintf(f, "  IdentityAgent none\n  BatchMode yes\n  StrictHostKeyChecking yes\n  UserKnownHostsFile %s\n", filepath.Join(sshDir, "known_hosts"))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
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
	other := testenv.WriteSSHKey(t, filepath.Join(t.TempDir(), "other"), "")
	writeFile(t, filepath.Join(sshDir, "known_hosts"), knownhosts.Line([]string{knownhosts.Normalize(fmt.Sprintf("%s:%d", d.Host, d.Port))}, other.PublicKey())+"\n")
	if _, _, err := connectErr(t); err == nil || !strings.Contains(err.Error(), "ssh build-box docker version") {
		t.Fatalf("changed host key: err = %v", err)
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
