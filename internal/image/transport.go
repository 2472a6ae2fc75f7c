package image

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"

	redactpkg "github.com/x-platform/x-platform/internal/redact"
	"github.com/x-platform/x-platform/internal/retry"
)

// InsecureEnv names a comma-separated list of registries (host or
// host:port) that may be reached over plain HTTP or unverified TLS.
const InsecureEnv = "XP_INSECURE_REGISTRIES"

// ErrPlainHTTP reports a plain-HTTP request to a registry that is neither on
// loopback nor declared insecure. go-containerregistry would otherwise fall
// back to HTTP silently for private (RFC 1918) addresses and *.localhost.
var ErrPlainHTTP = fmt.Errorf("refusing plain HTTP to a registry not declared insecure (list it in insecureRegistries or %s)", InsecureEnv)

// hostTransport is the one HTTP transport of all registry traffic. Each host
// gets its own TLS configuration, built once from what the host trusts and
// its certs.d folders; plain HTTP goes only to loopback and insecure hosts.
type hostTransport struct {
	insecure map[string]bool
	policy   retry.Policy

	mu    sync.Mutex
	roots *x509.CertPool
	hosts map[string]http.RoundTripper
}

var _ http.RoundTripper = (*hostTransport)(nil)

func newTransport(insecure map[string]bool, policy retry.Policy) *hostTransport {
	return &hostTransport{insecure: insecure, policy: policy, hosts: map[string]http.RoundTripper{}}
}

// plainHTTPAllowed says whether host (host or host:port) may be reached
// without TLS: a loopback address or name, or a registry declared insecure.
func (t *hostTransport) plainHTTPAllowed(host string) bool {
	return t.insecure[host] || isLoopback(host)
}

func (t *hostTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Host
	if req.URL.Scheme == "http" && !t.plainHTTPAllowed(host) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%s %s: %w", req.Method, redactpkg.URL(req.URL.String()), ErrPlainHTTP)
	}
	rt, err := t.forHost(host)
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return rt.RoundTrip(req)
}

// forHost returns the cached transport for host, building it on first use.
func (t *hostTransport) forHost(host string) (http.RoundTripper, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if rt, ok := t.hosts[host]; ok {
		return rt, nil
	}
	if t.roots == nil {
		roots, err := systemRoots()
		if err != nil {
			return nil, err
		}
		t.roots = roots
	}
	cfg, err := tlsConfig(t.roots, host)
	if err != nil {
		return nil, err
	}
	// Docker's meaning of an insecure registry: HTTPS with any certificate,
	// or plain HTTP.
	cfg.InsecureSkipVerify = t.insecure[host]
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.TLSClientConfig = cfg
	// A silent connection fails the call rather than hanging the run.
	base.DialContext = t.policy.DialContext
	base.TLSHandshakeTimeout = t.policy.Idle
	t.hosts[host] = base
	return base, nil
}

// isLoopback says whether host (with or without port) names this machine:
// localhost, 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// insecureSet turns a host list into a set, dropping blanks, so that a
// split comma list can be passed as is.
func insecureSet(hosts []string) map[string]bool {
	set := map[string]bool{}
	for _, h := range hosts {
		if h = strings.TrimSpace(h); h != "" {
			set[h] = true
		}
	}
	return set
}
