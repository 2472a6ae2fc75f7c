package gitauth

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError is a host key that known_hosts does not vouch for. The
// connection is refused: trusting it silently would hand the credentials
// to whoever answers.
type HostKeyError struct {
	Alias       string // the host as the remote names it
	Addr        string // host:port connected to
	Fingerprint string // SHA256 fingerprint of the key the host offered
	KeyType     string
	// Changed is set when known_hosts holds another key for the host.
	Changed bool
	// Where is the file:line of the key known_hosts holds, when Changed.
	Where string
}

func (e *HostKeyError) Error() string {
	host, port, _ := net.SplitHostPort(e.Addr)
	scan := fmt.Sprintf("ssh-keyscan -p %s %s >> ~/.ssh/known_hosts", port, host)
	name := e.Alias
	if e.Alias != host {
		name = fmt.Sprintf("%s (%s)", e.Alias, e.Addr)
	}
	if e.Changed {
		return fmt.Sprintf("host key of %s does not match the one in %s: it offered %s %s; "+
			"the host may have been reinstalled, or someone may be intercepting the connection. "+
			"If the change is expected, run: ssh-keygen -R '%s' && %s",
			name, e.Where, e.KeyType, e.Fingerprint, knownhosts.Normalize(e.Addr), scan)
	}
	return fmt.Sprintf("host key of %s is not known (it offered %s %s); "+
		"check that fingerprint with the host's owner, then run: %s",
		name, e.KeyType, e.Fingerprint, scan)
}

// hostKeys checks a host's key against the known_hosts files that exist.
type hostKeys struct {
	alias, addr string
	db          *knownhosts.HostKeyDB // nil when no known_hosts file exists
	id          string                // the files' names, sizes and times
}

func newHostKeys(alias, addr string, files []string) (*hostKeys, error) {
	var existing, id []string
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			existing = append(existing, f)
			id = append(id, fmt.Sprintf("%s:%d:%d", f, fi.Size(), fi.ModTime().UnixNano()))
		}
	}
	h := &hostKeys{alias: alias, addr: addr, id: strings.Join(id, ",")}
	if len(existing) == 0 {
		return h, nil
	}
	db, err := knownhosts.NewDB(existing...)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", strings.Join(existing, ", "), err)
	}
	h.db = db
	return h, nil
}

func (h *hostKeys) algorithms() []string {
	if h.db == nil {
		return nil
	}
	return h.db.HostKeyAlgorithms(h.addr)
}

func (h *hostKeys) callback(hostname string, remote net.Addr, key ssh.PublicKey) error {
	refuse := &HostKeyError{Alias: h.alias, Addr: h.addr, Fingerprint: ssh.FingerprintSHA256(key), KeyType: key.Type()}
	if h.db == nil {
		return refuse
	}
	err := h.db.HostKeyCallback()(hostname, remote, key)
	var ke *xknownhosts.KeyError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ke) && len(ke.Want) > 0:
		refuse.Changed = true
		refuse.Where = fmt.Sprintf("%s:%d", ke.Want[0].Filename, ke.Want[0].Line)
		return refuse
	case errors.As(err, &ke):
		return refuse
	}
	return err
}

// knownHostsFiles lists where host keys are looked up: SSH_KNOWN_HOSTS
// (a list, as go-git reads it) when set, else the Host's UserKnownHostsFile
// and GlobalKnownHostsFile, else ~/.ssh/known_hosts and
// /etc/ssh/ssh_known_hosts.
func knownHostsFiles(alias, remoteUser string) []string {
	if env := os.Getenv("SSH_KNOWN_HOSTS"); env != "" {
		return filepath.SplitList(env)
	}
	var files []string
	for _, key := range []string{"UserKnownHostsFile", "GlobalKnownHostsFile"} {
		for _, v := range all(alias, key) {
			for _, f := range strings.Fields(v) {
				files = append(files, expand(f, alias, remoteUser))
			}
		}
	}
	if len(files) == 0 {
		files = []string{filepath.Join(home(), ".ssh", "known_hosts"), "/etc/ssh/ssh_known_hosts"}
	}
	return files
}
