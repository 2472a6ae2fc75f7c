package gitsync

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/transport/client"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/plumbing/transport/server"

	"github.com/x-platform/x-platform/internal/gitsync/gitauth"
	"github.com/x-platform/x-platform/internal/gitsync/sshmux"
	"github.com/x-platform/x-platform/internal/retry"
)

var transports sync.Once

// ensureTransports sets every one of go-git's transports up, once per
// process: go-git keeps them in a process-wide table, so this is the one
// place that writes it.
//
// Local remotes work where no git binary is installed, as in the
// orchestrator's own image: go-git's file:// client starts git-upload-pack,
// so without one the in-process server stands in. With git installed the
// binary is kept, since it builds packs faster.
//
// ssh remotes resolve Host aliases from the HOME in effect, not from the
// one go-git's default reader caches for the process, and share one
// connection per host and login for the process's fetches and listings.
//
// http and https remotes dial through the retry policy of the call (see
// Client), so that a git server that stops sending fails the call after
// the policy's idle time instead of hanging the run.
func ensureTransports() {
	transports.Do(func() {
		_, errPack := exec.LookPath("git-upload-pack")
		_, errGit := exec.LookPath("git") // go-git also tries `git --exec-path`
		if errPack != nil && errGit != nil {
			client.InstallProtocol("file", server.DefaultServer)
		}
		gitauth.Install()
		client.InstallProtocol("ssh", sshmux.New())
		h := githttp.NewClient(&http.Client{Transport: httpTransport()})
		client.InstallProtocol("http", h)
		client.InstallProtocol("https", h)
	})
}

// httpTransport dials with the policy the request's context carries, as
// one transport serves every call of the process whatever its policy (a
// kept-alive connection keeps the one it was dialed with; a command's
// calls share one).
// The TLS handshake has no timeout of its own: it reads and writes through
// the policy's idle connection, which ends it once the server is silent.
func httpTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return policyOf(ctx).DialContext(ctx, network, addr)
	}
	t.TLSHandshakeTimeout = 0
	return t
}

type policyKey struct{}

// withPolicy makes the http transport dial the calls made in ctx with p.
func withPolicy(ctx context.Context, p retry.Policy) context.Context {
	return context.WithValue(ctx, policyKey{}, p)
}

// policyOf is the policy a call was made with, retry.Default outside a
// Client.
func policyOf(ctx context.Context) retry.Policy {
	p, _ := ctx.Value(policyKey{}).(retry.Policy)
	return p.WithDefaults()
}
