package gitauth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestGitSSHCommandKeys(t *testing.T) {
	tests := map[string][]string{
		"":                                       nil,
		"ssh":                                    nil,
		"ssh -i /k/deploy -o IdentitiesOnly=yes": {"/k/deploy"},
		"ssh -i~/.ssh/a -i /b":                   {"~/.ssh/a", "/b"},
		"ssh -p 2222 -i":                         nil,
	}
	for cmd, want := range tests {
		if got := gitSSHCommandKeys(cmd); !reflect.DeepEqual(got, want) {
			t.Errorf("gitSSHCommandKeys(%q) = %q, want %q", cmd, got, want)
		}
	}
}

// TestSSHResolvesHostAlias reads a Host block from the HOME in effect:
// HostName, Port (also for scp-like remotes, which go-git gives port 22),
// User and IdentityFile with ~.
func TestSSHResolvesHostAlias(t *testing.T) {
	home := isolate(t)
	t.Setenv("SSH_AUTH_SOCK", "")
	t.Setenv("GIT_SSH_COMMAND", "")
	t.Setenv("SSH_KNOWN_HOSTS", "")
	write(t, filepath.Join(home, ".ssh", "config"),
		"Host deploy\n  HostName git.internal\n  Port 2222\n  User git\n  IdentityFile ~/.ssh/deploy_key\n  IdentitiesOnly yes\n"+
			"Host portonly\n  Port 2200\n")

	// The key file is missing: the error names it, after resolving ~.
	_, err := SSH("deploy", 22, "")
	if err == nil || !strings.Contains(err.Error(), filepath.Join(home, ".ssh", "deploy_key")) || !strings.Contains(err.Error(), "as git") {
		t.Fatalf("SSH(deploy) without its key = %v", err)
	}
	writeKey(t, filepath.Join(home, ".ssh", "deploy_key"))
	tests := []struct {
		host, user string
		port       int
		addr, want string
	}{
		{"deploy", "", 22, "git.internal:2222", "git"},
		{"deploy", "", 0, "git.internal:2222", "git"},
		{"deploy", "other", 2022, "git.internal:2022", "other"},
		{"portonly", "", 0, "portonly:2200", localUser()},
		{"plain.example.com", "git", 0, "plain.example.com:22", "git"},
	}
	for _, tt := range tests {
		if tt.host != "deploy" {
			writeKey(t, filepath.Join(home, ".ssh", "id_ed25519"))
		}
		a, err := SSH(tt.host, tt.port, tt.user)
		if err != nil {
			t.Fatalf("SSH(%s, %d, %q): %v", tt.host, tt.port, tt.user, err)
		}
		if a.Addr != tt.addr || a.User != tt.want {
			t.Errorf("SSH(%s, %d, %q) = %s as %s, want %s as %s", tt.host, tt.port, tt.user, a.Addr, a.User, tt.addr, tt.want)
		}
	}
	if got := (SSHConfig{}).Get("portonly", "HostName"); got != "portonly" {
		t.Errorf("HostName of a Host block with only a Port = %q, want the alias", got)
	}
}

func writeKey(t *testing.T, path string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	write(t, path, string(pem.EncodeToMemory(block)))
}
