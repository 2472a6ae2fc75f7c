package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/redact"
	"github.com/x-platform/x-platform/internal/retry"
)

// InstallGitTransport makes go-git's http and https remotes dial through
// policy, so that a git server that stops sending fails the fetch after the
// policy's idle time instead of hanging the run. go-git keeps transports
// per process, hence a call once, from main's wiring (or a test).
func InstallGitTransport(policy retry.Policy) {
	policy = policy.WithDefaults()
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = policy.DialContext
	t.TLSHandshakeTimeout = policy.Idle
	c := githttp.NewClient(&http.Client{Transport: t})
	client.InstallProtocol("http", c)
	client.InstallProtocol("https", c)
}

// policy is the run's retry policy, retry.Default where unset.
func (p *Pipeline) policy() retry.Policy {
	return p.Policy.WithDefaults()
}

// fetch brings an existing checkout up to date, retrying what the policy
// calls transient (a 5xx, a connection reset or cut short): a fetch only
// moves remote-tracking refs once the pack is complete, so it may be
// repeated.
func (p *Pipeline) fetch(ctx context.Context, req gitsync.Request) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, p.policy().Deadline)
	defer cancel()
	var fetched bool
	err := p.policy().Do(ctx, func(ctx context.Context) error {
		var err error
		fetched, err = p.Git.Fetch(ctx, req)
		return gitStatus(err)
	})
	if err != nil && retry.Transient(err) {
		err = gaveUp(err, req.Remote, p.policy().Attempts)
	}
	return fetched, err
}

// gaveUp says a transient failure of a git remote outlasted its attempts.
func gaveUp(err error, remote string, attempts int) error {
	return fmt.Errorf("%w (gave up on %s after %d attempts; try again later)", err, redact.URL(remote), attempts)
}

// gitStatus lets the policy read the status code of a git server's
// answer, which go-git hides in an error without Unwrap.
func gitStatus(err error) error {
	var ue *plumbing.UnexpectedError
	var he *githttp.Err
	if errors.As(err, &ue) && errors.As(ue.Err, &he) {
		return retry.WithStatus(err, he.StatusCode())
	}
	return err
}
