package gitauth

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// SSHAuth logs in to one ssh host the way OpenSSH would with the same
// configuration: keys from IdentityFile (or GIT_SSH_COMMAND's -i, or the
// default key files), then the agent's keys unless IdentitiesOnly, and the
// host key checked against known_hosts.
type SSHAuth struct {
	// Alias is the host as the remote names it, perhaps a Host alias.
	Alias string
	// Addr is the host:port connected to, after HostName and Port.
	Addr    string
	User    string
	signers []ssh.Signer
	tried   []string // key files and agent, for the message when login fails
	hostKey ssh.HostKeyCallback
	algos   []string
	trust   string // the known_hosts files as checked: see LoginID
}

var _ gitssh.AuthMethod = (*SSHAuth)(nil)

// Name implements transport.AuthMethod.
func (a *SSHAuth) Name() string { return "ssh-config" }

// String says who logs in where, never with what.
func (a *SSHAuth) String() string { return fmt.Sprintf("%s@%s", a.User, a.Addr) }

// ClientConfig implements gitssh.AuthMethod.
func (a *SSHAuth) ClientConfig() (*ssh.ClientConfig, error) {
	return &ssh.ClientConfig{
		User:              a.User,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(a.signers...)},
		HostKeyCallback:   a.hostKey,
		HostKeyAlgorithms: a.algos,
		Timeout:           30 * time.Second,
	}, nil
}

// LoginID tells logins apart that may not share a connection: another
// server, user or set of keys, or known_hosts files that changed since the
// connection's host key was checked.
func (a *SSHAuth) LoginID() string {
	ids := []string{a.Addr, a.User, a.trust}
	for _, s := range a.signers {
		ids = append(ids, ssh.FingerprintSHA256(s.PublicKey()))
	}
	return strings.Join(ids, "\x00")
}

// Tried names the keys offered, to explain a refused login.
func (a *SSHAuth) Tried() string { return strings.Join(a.tried, ", ") }

// SSH returns how to log in to host (as a remote URL writes it: a Host
// alias or a name) on port (0 when the URL gives none) as urlUser ("" when
// the URL names none).
func SSH(host string, port int, urlUser string) (*SSHAuth, error) {
	cfg := SSHConfig{}
	hostname := cfg.Get(host, "HostName")
	if hostname == "" {
		hostname = host
	}
	// go-git gives scp-like remotes ("alias:path") port 22, so 22 cannot
	// tell an explicit port from none; the Host block's Port wins over it.
	if p, _ := strconv.Atoi(cfg.Get(host, "Port")); p != 0 && (port == 0 || port == 22) {
		port = p
	}
	if port == 0 {
		port = 22
	}
	a := &SSHAuth{Alias: host, Addr: net.JoinHostPort(hostname, strconv.Itoa(port)), User: urlUser}
	if a.User == "" {
		a.User = cfg.Get(host, "User")
	}
	if a.User == "" {
		a.User = localUser()
	}
	if err := a.loadKeys(strings.EqualFold(cfg.Get(host, "IdentitiesOnly"), "yes")); err != nil {
		return nil, err
	}
	files := knownHostsFiles(host, a.User)
	hk, err := newHostKeys(host, a.Addr, files)
	if err != nil {
		return nil, err
	}
	a.hostKey, a.algos, a.trust = hk.callback, hk.algorithms(), hk.id
	return a, nil
}

// loadKeys collects the signers to offer: key files first, then agent keys.
// With IdentitiesOnly the agent only lends the keys of those files, for an
// encrypted key the agent holds unlocked.
func (a *SSHAuth) loadKeys(identitiesOnly bool) error {
	paths, explicit := identityFiles(a.Alias, a.User)
	ag, agentErr := agentClient()
	var agentKeys []ssh.Signer
	if ag != nil {
		agentKeys, agentErr = ag.Signers()
	}
	wanted := map[string]bool{} // public keys of the files, for IdentitiesOnly
	var problems []string
	for _, p := range paths {
		pub, signer, err := readKey(p)
		switch {
		case errors.Is(err, os.ErrNotExist) && !explicit[p]:
			continue
		case err != nil && pub == nil:
			problems = append(problems, fmt.Sprintf("%s: %v", p, err))
			continue
		}
		a.tried = append(a.tried, p)
		wanted[string(pub.Marshal())] = true
		if signer != nil {
			a.signers = append(a.signers, signer)
		} else if !hasKey(agentKeys, pub) {
			problems = append(problems, fmt.Sprintf("%s is encrypted and no ssh-agent holds it: run ssh-add %s (and pass SSH_AUTH_SOCK)", p, p))
		}
	}
	for _, s := range agentKeys {
		if identitiesOnly && !wanted[string(s.PublicKey().Marshal())] || hasKey(a.signers, s.PublicKey()) {
			continue
		}
		a.signers = append(a.signers, s)
	}
	if len(agentKeys) > 0 {
		a.tried = append(a.tried, fmt.Sprintf("%d key(s) of ssh-agent", len(agentKeys)))
	}
	if len(a.signers) > 0 {
		return nil
	}
	if agentErr != nil {
		problems = append(problems, agentErr.Error())
	} else if ag == nil {
		problems = append(problems, "SSH_AUTH_SOCK is not set, so no ssh-agent is asked")
	}
	if len(paths) == 0 {
		problems = append(problems, "no IdentityFile in ~/.ssh/config for "+a.Alias+" and no ~/.ssh/id_* key")
	}
	return fmt.Errorf("no usable ssh key to log in to %s as %s: %s", a.Alias, a.User, strings.Join(problems, "; "))
}

// identityFiles lists the key files to try: GIT_SSH_COMMAND's -i, the
// Host's IdentityFile lines, else OpenSSH's default names. Files named
// explicitly must exist; default ones may not.
func identityFiles(alias, remoteUser string) ([]string, map[string]bool) {
	var paths []string
	explicit := map[string]bool{}
	add := func(p string, named bool) {
		p = expand(p, alias, remoteUser)
		if !filepath.IsAbs(p) {
			p = filepath.Join(home(), ".ssh", p)
		}
		if !explicit[p] && !contains(paths, p) {
			paths = append(paths, p)
		}
		explicit[p] = explicit[p] || named
	}
	for _, p := range gitSSHCommandKeys(os.Getenv("GIT_SSH_COMMAND")) {
		add(p, true)
	}
	for _, p := range all(alias, "IdentityFile") {
		add(p, true)
	}
	if len(paths) == 0 {
		for _, name := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
			add(filepath.Join("~", ".ssh", name), false)
		}
	}
	return paths, explicit
}

// gitSSHCommandKeys returns the -i arguments of a GIT_SSH_COMMAND such as
// "ssh -i ~/.ssh/deploy_key -o IdentitiesOnly=yes". Quoting is not parsed:
// paths with spaces belong in ~/.ssh/config.
func gitSSHCommandKeys(cmd string) []string {
	f := strings.Fields(cmd)
	var keys []string
	for i, w := range f {
		switch {
		case w == "-i" && i+1 < len(f):
			keys = append(keys, f[i+1])
		case strings.HasPrefix(w, "-i") && len(w) > 2:
			keys = append(keys, w[2:])
		}
	}
	return keys
}

// readKey parses a private key file. An encrypted key yields its public key
// and no signer, since nothing may prompt for a passphrase.
func readKey(path string) (ssh.PublicKey, ssh.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	s, err := ssh.ParsePrivateKey(b)
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing) && missing.PublicKey != nil:
		return missing.PublicKey, nil, err
	case errors.As(err, &missing):
		if pub, perr := readPublicKey(path + ".pub"); perr == nil {
			return pub, nil, err
		}
		return nil, nil, fmt.Errorf("encrypted, and no %s.pub says which key it is", path)
	case err != nil:
		return nil, nil, fmt.Errorf("reading private key: %w", err)
	}
	return s.PublicKey(), s, nil
}

func readPublicKey(path string) (ssh.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey(b)
	return pub, err
}

func hasKey(signers []ssh.Signer, pub ssh.PublicKey) bool {
	for _, s := range signers {
		if string(s.PublicKey().Marshal()) == string(pub.Marshal()) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

var agents sync.Map // socket path → agent.ExtendedAgent

// agentClient returns a client of the agent SSH_AUTH_SOCK names, one
// connection per socket for the process (the client serialises requests),
// or nil when the variable is unset.
func agentClient() (agent.ExtendedAgent, error) {
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		return nil, nil
	}
	if c, ok := agents.Load(sock); ok {
		return c.(agent.ExtendedAgent), nil
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("connecting to ssh-agent at SSH_AUTH_SOCK: %w", err)
	}
	c, loaded := agents.LoadOrStore(sock, agent.NewClient(conn))
	if loaded {
		conn.Close()
	}
	return c.(agent.ExtendedAgent), nil
}
