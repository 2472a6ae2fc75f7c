package testenv

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh/agent"
)

// SSHAgent serves an in-memory ssh-agent keyring on a unix socket until the
// test ends and returns the keyring and the socket path for SSH_AUTH_SOCK.
func SSHAgent(t testing.TB) (agent.Agent, string) {
	t.Helper()
	keyring := agent.NewKeyring()
	// A socket path must stay under ~100 bytes: t.TempDir's grows with the test's name.
	dir, err := os.MkdirTemp("", "xp-agent")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			go func() {
				defer c.Close()
				_ = agent.ServeAgent(keyring, c)
			}()
		}
	}()
	return keyring, sock
}
