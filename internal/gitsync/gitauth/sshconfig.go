package gitauth

import (
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/kevinburke/ssh_config"
)

// SSHConfig reads ~/.ssh/config and /etc/ssh/ssh_config as OpenSSH does,
// the user's file first. It reads HOME each time, not once per process, so
// the configuration in effect is the one used. It implements the reader
// go-git's ssh transport consults for HostName and Port.
type SSHConfig struct{}

// Get returns the first value of key for the Host alias, or "". A Host
// block that sets Port but no HostName names the alias itself, so the
// port is not lost (go-git only takes Port along with a HostName).
func (SSHConfig) Get(alias, key string) string {
	v := first(alias, key)
	if v == "" && strings.EqualFold(key, "HostName") && first(alias, "Port") != "" {
		return alias
	}
	return v
}

// all returns every value of key for alias, from each file in order.
func all(alias, key string) []string {
	var out []string
	for _, c := range configs() {
		if vs, err := c.GetAll(alias, key); err == nil {
			out = append(out, vs...)
		}
	}
	return out
}

func first(alias, key string) string {
	for _, c := range configs() {
		if v, err := c.Get(alias, key); err == nil && v != "" {
			return v
		}
	}
	return ""
}

// configs parses the files on each call: they are small, and a long-lived
// cache would miss a HOME or file that changed.
func configs() []*ssh_config.Config {
	var out []*ssh_config.Config
	for _, path := range []string{filepath.Join(home(), ".ssh", "config"), "/etc/ssh/ssh_config"} {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		c, err := ssh_config.Decode(f)
		f.Close()
		if err == nil {
			out = append(out, c)
		}
	}
	return out
}

// home is the HOME in effect, as OpenSSH and git take it.
func home() string {
	if h := os.Getenv("HOME"); h != "" {
		return h
	}
	if u, err := user.Current(); err == nil {
		return u.HomeDir
	}
	return "/"
}

// localUser is who OpenSSH logs in as when neither the URL nor the
// configuration names a user.
func localUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "root"
}

// expand resolves "~" and the tokens OpenSSH allows in IdentityFile and
// UserKnownHostsFile that matter here: %d home, %h host, %r user, %u local
// user, %% a percent sign.
func expand(path, host, remoteUser string) string {
	if path == "~" || strings.HasPrefix(path, "~/") {
		path = home() + path[1:]
	}
	r := strings.NewReplacer("%%", "%", "%d", home(), "%h", host, "%r", remoteUser, "%u", localUser())
	return r.Replace(path)
}
