package gitsync

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/x-platform/x-platform/internal/testenv"
)

// sshEnv makes home the test's HOME and clears what would let the
// machine's own ssh setup take part.
func sshEnv(t *testing.T, home string) {
	t.Helper()
	t.Setenv("HOME", home)
	for _, k := range []string{"SSH_AUTH_SOCK", "SSH_KNOWN_HOSTS", "GIT_SSH_COMMAND"} {
		t.Setenv(k, "")
	}
}

// syncOver syncs remote's master through url into a new checkout and
// checks it lands on the remote's tip.
func syncOver(t *testing.T, url string, r *testenv.Remote) {
	t.Helper()
	dir := checkoutDir(t)
	res := mustSync(t, Request{Remote: url, Dir: dir, Reference: "origin/master"})
	if want := r.Head(t, "master"); res.Commit != want || !res.Cloned {
		t.Fatalf("Sync over %s = %+v, want a clone at %s", url, res, want)
	}
	assertAt(t, dir, res.Commit)
	// A second sync fetches over the same login and moves to a new commit.
	sha := r.Commit(t, "master", map[string]string{"b.txt": "b\n"}, "second")
	if res = mustSync(t, Request{Remote: url, Dir: dir, Reference: "origin/master"}); res.Commit != sha {
		t.Fatalf("second Sync over %s = %s, want %s", url, res.Commit, sha)
	}
}

func TestIntegrationSSHHostAliasWithIdentityFile(t *testing.T) {
	d := testenv.StartSSHD(t)
	r := testenv.NewRemote(t, map[string]string{"a.txt": "a\n"})
	sshEnv(t, testenv.SSHHome(t, d, "gitserver"))

	syncOver(t, d.URL("gitserver", r), r)
	// The scp-like spelling takes the user from the Host block too.
	refs, err := LsRemote(t.Context(), "gitserver:"+r.Dir)
	if err != nil || refs["refs/heads/master"] != r.Head(t, "master") {
		t.Fatalf("LsRemote(gitserver:%s) = %v, %v", r.Dir, refs, err)
	}
	snap, err := Peek(t.Context(), d.URL("gitserver", r), "refs/heads/master", "", "a.txt")
	if err != nil || string(snap.Files["a.txt"]) != "a\n" {
		t.Fatalf("Peek over ssh = %+v, %v", snap, err)
	}
}

// TestIntegrationSSHSharesConnections lists and fetches many repositories
// of one server at once: they share connections, as OpenSSH's
// ControlMaster would, instead of logging in once each.
func TestIntegrationSSHSharesConnections(t *testing.T) {
	d := testenv.StartSSHD(t)
	sshEnv(t, testenv.SSHHome(t, d, "gitserver"))
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	remotes := make([]*testenv.Remote, n)
	for i := range remotes {
		remotes[i] = testenv.NewRemote(t, map[string]string{"a.txt": fmt.Sprint(i)})
	}
	for _, r := range remotes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			refs, err := LsRemote(t.Context(), d.URL("gitserver", r))
			if err == nil && len(refs) != 1 {
				err = fmt.Errorf("refs = %v", refs)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// 8 sessions a connection stay under OpenSSH's MaxSessions of 10.
	if got := d.Logins(t); got > (n+7)/8+1 {
		t.Fatalf("%d listings logged in %d times, want them to share connections", n, got)
	}
}

func TestIntegrationSSHAgent(t *testing.T) {
	d := testenv.StartSSHD(t)
	r := testenv.NewRemote(t, map[string]string{"a.txt": "a\n"})
	home := t.TempDir()
	sshEnv(t, home)
	writeHome(t, home, map[string]string{
		".ssh/config":      fmt.Sprintf("Host agentserver\n  HostName %s\n  Port %d\n  User %s\n", d.Host, d.Port, d.User),
		".ssh/known_hosts": d.KnownHostsLine() + "\n",
	})
	keyring, sock := testenv.SSHAgent(t)
	keyPath := filepath.Join(t.TempDir(), "agent_key")
	d.Authorize(t, testenv.WriteSSHKey(t, keyPath, "").PublicKey())

	// No key file and no agent: the message says what was looked for.
	_, err := LsRemote(t.Context(), d.URL("agentserver", r))
	if err == nil || !strings.Contains(err.Error(), "SSH_AUTH_SOCK is not set") {
		t.Fatalf("LsRemote without any key = %v, want it to say no agent was asked", err)
	}

	addKey(t, keyring, keyPath, "")
	t.Setenv("SSH_AUTH_SOCK", sock)
	syncOver(t, d.URL("agentserver", r), r)
}

func TestIntegrationSSHEncryptedKey(t *testing.T) {
	d := testenv.StartSSHD(t)
	r := testenv.NewRemote(t, map[string]string{"a.txt": "a\n"})
	home := t.TempDir()
	sshEnv(t, home)
	keyPath := filepath.Join(home, ".ssh", "id_ed25519")
	key := testenv.WriteSSHKey(t, keyPath, "correct horse")
	d.Authorize(t, key.PublicKey())
	writeHome(t, home, map[string]string{
		".ssh/config":      fmt.Sprintf("Host enc\n  HostName %s\n  Port %d\n  User %s\n  IdentitiesOnly yes\n", d.Host, d.Port, d.User),
		".ssh/known_hosts": d.KnownHostsLine() + "\n",
	})

	_, err := LsRemote(t.Context(), d.URL("enc", r))
	if err == nil || !strings.Contains(err.Error(), "encrypted") || !strings.Contains(err.Error(), "ssh-add "+keyPath) {
		t.Fatalf("LsRemote with an encrypted key and no agent = %v, want the ssh-add hint", err)
	}

	// The agent holds the key unlocked; IdentitiesOnly still lets it lend
	// the key of the default file, and only that one.
	keyring, sock := testenv.SSHAgent(t)
	addKey(t, keyring, keyPath, "correct horse")
	stranger := filepath.Join(t.TempDir(), "stranger")
	testenv.WriteSSHKey(t, stranger, "")
	addKey(t, keyring, stranger, "")
	t.Setenv("SSH_AUTH_SOCK", sock)
	syncOver(t, d.URL("enc", r), r)
}

func TestIntegrationSSHGitSSHCommandKey(t *testing.T) {
	d := testenv.StartSSHD(t)
	r := testenv.NewRemote(t, map[string]string{"a.txt": "a\n"})
	home := t.TempDir()
	sshEnv(t, home)
	keyPath := filepath.Join(t.TempDir(), "deploy_key")
	key := testenv.WriteSSHKey(t, keyPath, "")
	d.Authorize(t, key.PublicKey())
	// known_hosts from SSH_KNOWN_HOSTS, the key from GIT_SSH_COMMAND's -i.
	known := filepath.Join(t.TempDir(), "known")
	writeHome(t, filepath.Dir(known), map[string]string{"known": d.KnownHostsLine() + "\n"})
	t.Setenv("SSH_KNOWN_HOSTS", known)
	t.Setenv("GIT_SSH_COMMAND", "ssh -i "+keyPath+" -o IdentitiesOnly=yes")

	url := fmt.Sprintf("ssh://%s@%s:%d%s", d.User, d.Host, d.Port, r.Dir)
	syncOver(t, url, r)
}

func TestIntegrationSSHHostKeyRefused(t *testing.T) {
	d := testenv.StartSSHD(t)
	r := testenv.NewRemote(t, map[string]string{"a.txt": "a\n"})
	home := testenv.SSHHome(t, d, "gitserver")
	sshEnv(t, home)
	known := filepath.Join(home, ".ssh", "known_hosts")
	scan := fmt.Sprintf("ssh-keyscan -p %d %s >> ~/.ssh/known_hosts", d.Port, d.Host)

	// Unknown: known_hosts is empty.
	writeHome(t, home, map[string]string{".ssh/known_hosts": ""})
	dir := checkoutDir(t)
	_, err := Sync(t.Context(), Request{Remote: d.URL("gitserver", r), Dir: dir, Reference: "origin/master"})
	for _, want := range []string{"host key of gitserver (127.0.0.1:", "is not known", "SHA256:", scan} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("Sync with an unknown host key = %v, want it to contain %q", err, want)
		}
	}
	if _, statErr := os.Stat(dir); !os.IsNotExist(statErr) {
		t.Errorf("a refused clone left %s behind", dir)
	}

	// Changed: known_hosts holds another key for the same host and port.
	other := testenv.WriteSSHKey(t, filepath.Join(t.TempDir(), "other_host"), "")
	line := knownhosts.Line([]string{knownhosts.Normalize(fmt.Sprintf("%s:%d", d.Host, d.Port))}, other.PublicKey())
	writeHome(t, home, map[string]string{".ssh/known_hosts": line + "\n"})
	_, err = LsRemote(t.Context(), d.URL("gitserver", r))
	for _, want := range []string{"host key of gitserver", "does not match the one in " + known + ":1", "ssh-keygen -R '[127.0.0.1]:", scan} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("LsRemote with a changed host key = %v, want it to contain %q", err, want)
		}
	}
}

// addKey loads a key file into an agent, unlocked.
func addKey(t *testing.T, keyring agent.Agent, path, passphrase string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var key any
	if passphrase == "" {
		key, err = ssh.ParseRawPrivateKey(b)
	} else {
		key, err = ssh.ParseRawPrivateKeyWithPassphrase(b, []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := keyring.Add(agent.AddedKey{PrivateKey: key}); err != nil {
		t.Fatal(err)
	}
}

func writeHome(t *testing.T, home string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(home, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
