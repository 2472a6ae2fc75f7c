package engine

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// DefaultHost is the engine the docker CLI talks to when nothing names another.
const DefaultHost = "unix:///var/run/docker.sock"

// Endpoint is one Docker engine and how to reach it.
type Endpoint struct {
	// Host is unix:///path, tcp://host:port or ssh://[user@]host[:port][/socket].
	Host string
	// Source says where Host came from, for messages: "DOCKER_HOST",
	// `context "colima"`, "the default socket", ….
	Source string
	// TLS is set when the engine is reached over TLS.
	TLS *TLS
}

// TLS holds the certificate files of a TLS engine; a missing file is left out.
type TLS struct {
	CA, Cert, Key string
	SkipVerify    bool
}

// ConfigError is an engine named in a way that cannot work: a malformed
// DOCKER_HOST or a context that does not exist.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// UsageError says the engine's settings are the user's to fix (exit code 2).
func (*ConfigError) UsageError() bool { return true }

// Scheme is the endpoint's transport: "unix", "tcp", "ssh" or "npipe".
func (e Endpoint) Scheme() string {
	scheme, _, _ := strings.Cut(e.Host, "://")
	return scheme
}

// Local reports whether the engine runs on this machine, so that paths here
// are paths on the engine's host.
func (e Endpoint) Local() bool {
	return e.Scheme() == "unix" || e.Scheme() == "npipe"
}

func (e Endpoint) String() string {
	return fmt.Sprintf("%s (%s)", e.Host, e.Source)
}

// Env reads the environment; os.Getenv in production, a map in tests.
type Env func(string) string

// Resolve finds the engine the docker CLI would use, in its order: DOCKER_HOST,
// then DOCKER_CONTEXT, then the currentContext of $DOCKER_CONFIG/config.json,
// then the first socket of Sockets that exists, else DefaultHost.
func Resolve(getenv Env) (Endpoint, error) {
	if host := getenv("DOCKER_HOST"); host != "" {
		ep := Endpoint{Host: host, Source: "DOCKER_HOST"}
		if getenv("DOCKER_TLS_VERIFY") != "" {
			dir := getenv("DOCKER_CERT_PATH")
			if dir == "" {
				dir = configDir(getenv)
			}
			ep.TLS = tlsFiles(dir, "ca.pem", "cert.pem", "key.pem")
		}
		return ep, validate(ep)
	}
	name, source := getenv("DOCKER_CONTEXT"), "DOCKER_CONTEXT"
	if name == "" {
		var err error
		if name, err = currentContext(configDir(getenv)); err != nil {
			return Endpoint{}, err
		}
		source = "currentContext in " + filepath.Join(configDir(getenv), "config.json")
	}
	if name != "" && name != "default" {
		ep, err := readContext(configDir(getenv), name)
		if err != nil {
			return Endpoint{}, &ConfigError{fmt.Errorf("reading docker context %q (from %s): %w", name, source, err)}
		}
		return ep, validate(ep)
	}
	return Endpoint{Host: firstSocket(Sockets(getenv)), Source: "the default socket"}, nil
}

// Sockets lists where engines on this machine usually listen, in the order
// bin/x-platform tries them too: Docker Desktop's, the system's, Colima's,
// rootless Docker's.
func Sockets(getenv Env) []string {
	home := getenv("HOME")
	s := []string{filepath.Join(home, ".docker/run/docker.sock"),
		"/var/run/docker.sock",
		filepath.Join(home, ".colima/default/docker.sock"),
		filepath.Join(home, ".colima/docker.sock")}
	if rt := getenv("XDG_RUNTIME_DIR"); rt != "" {
		s = append(s, filepath.Join(rt, "docker.sock"))
	}
	return s
}

// firstSocket returns the first candidate that is a socket, else DefaultHost.
func firstSocket(candidates []string) string {
	for _, s := range candidates {
		if fi, err := os.Stat(s); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return "unix://" + s
		}
	}
	return DefaultHost
}

func configDir(getenv Env) string {
	if d := getenv("DOCKER_CONFIG"); d != "" {
		return d
	}
	return filepath.Join(getenv("HOME"), ".docker")
}

func tlsFiles(dir string, ca, cert, key string) *TLS {
	t := &TLS{}
	for _, f := range []struct {
		dst  *string
		name string
	}{{&t.CA, ca}, {&t.Cert, cert}, {&t.Key, key}} {
		if p := filepath.Join(dir, f.name); fileExists(p) {
			*f.dst = p
		}
	}
	return t
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

func validate(ep Endpoint) error {
	u, err := url.Parse(ep.Host)
	if err == nil && u.Scheme == "" {
		err = errors.New("no scheme")
	}
	if err == nil {
		switch u.Scheme {
		case "unix", "npipe", "tcp", "ssh":
		default:
			err = fmt.Errorf("unsupported scheme %q", u.Scheme)
		}
	}
	if err != nil {
		return &ConfigError{fmt.Errorf("docker host %q from %s: %w (use unix:///path/docker.sock, tcp://host:2376 or ssh://user@host)", ep.Host, ep.Source, err)}
	}
	return nil
}
