package testenv

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHD is Debian's OpenSSH server on a loopback port, run by the test as a
// foreground process with its own host key and authorized keys; it logs in
// only with keys, as the user the tests run as.
type SSHD struct {
	Host    string // 127.0.0.1
	Port    int
	User    string // the account keys log in as
	HostKey ssh.PublicKey

	dir     string
	hostKey ssh.Signer
	logged  bool // sessions run through session.sh: see LogSessions
}

// StartSSHD starts sshd and stops it, by PID, when the test ends. Sessions
// find git-upload-pack on the default PATH, so the bare repositories of
// NewRemote are served at their absolute paths (see SSHD.URL).
func StartSSHD(t testing.TB, opts ...SSHDOption) *SSHD {
	t.Helper()
	var o sshdOptions
	for _, opt := range opts {
		opt(&o)
	}
	if _, err := os.Stat("/usr/sbin/sshd"); err != nil {
		t.Fatalf("sshd not installed (Debian's openssh-server; hack/ensure-docker.sh installs it): %v", err)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	// sshd refuses to start without its privilege separation folder.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatalf("making /run/sshd: %v", err)
	}
	dir := t.TempDir()
	d := &SSHD{Host: "127.0.0.1", Port: freePort(t), User: u.Username, dir: dir, logged: o.logSessions}
	d.hostKey = WriteSSHKey(t, filepath.Join(dir, "host_ed25519"), "")
	d.HostKey = d.hostKey.PublicKey()
	files := map[string]string{
		"authorized_keys": "",
		"home/.keep":      "",
	}
	config := []string{
		fmt.Sprintf("ListenAddress %s:%d", d.Host, d.Port),
		"HostKey " + filepath.Join(dir, "host_ed25519"),
		"AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"),
		"PidFile " + filepath.Join(dir, "sshd.pid"),
		"UsePAM no",
		"StrictModes no",
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PermitRootLogin prohibit-password",
		"AllowUsers " + u.Username,
		// Sessions get a HOME of their own (see Authorize): the shell a
		// session runs in would otherwise source the account's real
		// ~/.bashrc, which on a developer's machine costs more than
		// the git command it runs; a git server's account has none.
		"PermitUserEnvironment HOME",
		// Benchmarks open many connections at once; the default 10
		// unauthenticated connections would drop some.
		"MaxStartups 200",
		"MaxSessions 200",
		"LogLevel INFO", // one "Accepted publickey" line per login: see Logins
	}
	if d.logged {
		config = append(config, "ForceCommand /bin/sh "+filepath.Join(dir, "session.sh"))
		files["session.sh"], files["session_delay"] = sessionScript(dir), "0\n"
	}
	files["sshd_config"] = strings.Join(config, "\n") + "\n"
	writeFiles(t, dir, files)
	// A file, not a pipe: the per-connection children inherit it, and
	// Wait would wait for them too.
	logPath := filepath.Join(dir, "sshd.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	logs := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	cmd := exec.Command("/usr/sbin/sshd", "-D", "-e", "-f", filepath.Join(dir, "sshd_config"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting sshd: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	addr := net.JoinHostPort(d.Host, strconv.Itoa(d.Port))
	for deadline := time.Now().Add(15 * time.Second); ; {
		select {
		case <-exited:
			t.Fatalf("sshd exited at start:\n%s", logs())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not listen on %s:\n%s", addr, logs())
		}
		time.Sleep(20 * time.Millisecond) // a port has no event to wait on
	}
}

// Logins counts the ssh connections that logged in so far.
func (d *SSHD) Logins(t testing.TB) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(d.dir, "sshd.log"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "Accepted publickey for ")
}

// Authorize lets key log in; sshd reads the file at each login.
func (d *SSHD) Authorize(t testing.TB, key ssh.PublicKey) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(d.dir, "authorized_keys"), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line := fmt.Sprintf("environment=\"HOME=%s\" %s", filepath.Join(d.dir, "home"), ssh.MarshalAuthorizedKey(key))
	if _, err := f.WriteString(line); err != nil {
		t.Fatal(err)
	}
}

// KnownHostsLine is the known_hosts line for this server's host key, as
// `ssh-keyscan -p PORT 127.0.0.1` prints it.
func (d *SSHD) KnownHostsLine() string {
	return knownhosts.Line([]string{knownhosts.Normalize(net.JoinHostPort(d.Host, strconv.Itoa(d.Port)))}, d.HostKey)
}

// URL is the ssh URL of a repository on this machine through host, which
// may be a Host alias of an ssh config or "127.0.0.1:PORT".
func (d *SSHD) URL(host string, r *Remote) string {
	return "ssh://" + host + r.Dir
}

// WriteSSHKey makes an ed25519 key, writes it in OpenSSH's format to path
// (encrypted when passphrase is not empty) and its public half to
// path.pub, and returns it.
func WriteSSHKey(t testing.TB, path, passphrase string) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "x-platform test")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "x-platform test", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".pub", ssh.MarshalAuthorizedKey(signer.PublicKey()), 0o644); err != nil {
		t.Fatal(err)
	}
	return signer
}

// SSHHome makes a HOME whose ~/.ssh/config has a Host alias for d with
// HostName, Port, User, IdentityFile (a new key d authorizes) and
// IdentitiesOnly, and whose known_hosts holds d's host key. It returns the
// folder; the caller decides where it becomes HOME.
func SSHHome(t testing.TB, d *SSHD, alias string) string {
	t.Helper()
	home := t.TempDir()
	key := WriteSSHKey(t, filepath.Join(home, ".ssh", "id_"+alias), "")
	d.Authorize(t, key.PublicKey())
	writeFiles(t, home, map[string]string{
		// An absolute IdentityFile, so OpenSSH's ssh (which expands ~ from
		// the passwd entry, not HOME) finds it too with -F.
		".ssh/config": fmt.Sprintf("Host %s\n  HostName %s\n  Port %d\n  User %s\n  IdentityFile %s\n  IdentitiesOnly yes\n",
			alias, d.Host, d.Port, d.User, filepath.Join(home, ".ssh", "id_"+alias)),
		".ssh/known_hosts": d.KnownHostsLine() + "\n",
	})
	return home
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
