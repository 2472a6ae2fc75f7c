package engine

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/docker/cli/cli/connhelper"
	"github.com/docker/docker/client"
	"github.com/docker/go-connections/tlsconfig"
)

// pingTimeout bounds the first contact, so that an engine that does not
// answer (a dead ssh host, a firewalled port) fails fast with a clear message.
const pingTimeout = 30 * time.Second

// Client returns an API client for ep without contacting it. The API version
// is negotiated on first use, as old engines (Debian's 20.10 speaks 1.41) need.
func (ep Endpoint) Client() (*client.Client, error) {
	opts := []client.Opt{client.WithAPIVersionNegotiation(), client.WithVersionFromEnv()}
	switch ep.Scheme() {
	case "ssh":
		// docker/cli's helper runs `ssh … docker system dial-stdio`, so the
		// user's ssh config, agent and known_hosts apply as they do for docker.
		h, err := connhelper.GetConnectionHelper(ep.Host)
		if err != nil {
			return nil, &ConfigError{fmt.Errorf("docker host %s: %w", ep, err)}
		}
		opts = append(opts, client.WithHost(h.Host),
			client.WithHTTPClient(&http.Client{Transport: &http.Transport{DialContext: h.Dialer}}))
	default:
		opts = append(opts, client.WithHost(ep.Host))
		if ep.TLS != nil {
			opts = append(opts, withTLS(*ep.TLS))
		}
	}
	c, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("creating a client of the Docker engine at %s: %w", ep, err)}
	}
	return c, nil
}

func withTLS(t TLS) client.Opt {
	return func(c *client.Client) error {
		cfg, err := tlsconfig.Client(tlsconfig.Options{
			CAFile: t.CA, CertFile: t.Cert, KeyFile: t.Key,
			InsecureSkipVerify: t.SkipVerify,
			ExclusiveRootPools: t.CA != "",
		})
		if err != nil {
			return fmt.Errorf("loading TLS files: %w", err)
		}
		return client.WithHTTPClient(&http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, CheckRedirect: client.CheckRedirect})(c)
	}
}

// Connect resolves the engine from the environment, connects and pings it.
func Connect(ctx context.Context) (*client.Client, Endpoint, error) {
	ep, err := Resolve(os.Getenv)
	if err != nil {
		return nil, Endpoint{}, err
	}
	c, err := ep.Client()
	if err != nil {
		return nil, ep, err
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if _, err := c.Ping(pctx); err != nil {
		c.Close()
		return nil, ep, fmt.Errorf("no Docker engine answers at %s: %w; %s", ep, err, ep.hint())
	}
	return c, ep, nil
}

// hint says what to do when ep does not answer.
func (ep Endpoint) hint() string {
	switch ep.Scheme() {
	case "ssh":
		return "check that `ssh " + sshTarget(ep.Host) + " docker version` works (key in the agent or ~/.ssh/config, host in known_hosts, docker installed there)"
	case "tcp":
		if ep.TLS == nil {
			return "check the address and port; an engine that wants TLS needs DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH"
		}
		return "check the address, port and the certificates (ca.pem, cert.pem, key.pem)"
	}
	if ep.Source == "the default socket" {
		return "start Docker (Docker Desktop, Colima, dockerd), or point DOCKER_HOST or `docker context use` at your engine"
	}
	return "start that engine, or point DOCKER_HOST or `docker context use` at another"
}

// sshTarget turns ssh://user@host:port into the arguments ssh takes.
func sshTarget(host string) string {
	u, err := url.Parse(host)
	if err != nil {
		return host
	}
	target := u.Hostname()
	if u.User != nil {
		target = u.User.Username() + "@" + target
	}
	if u.Port() != "" {
		target = "-p " + u.Port() + " " + target
	}
	return target
}
