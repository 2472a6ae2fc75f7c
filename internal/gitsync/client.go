package gitsync

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/x-platform/x-platform/internal/redact"
	"github.com/x-platform/x-platform/internal/retry"
)

// Client reaches git remotes under one retry policy: a call ends at the
// policy's Deadline, its connections fail after the policy's Idle silence,
// and a call that failed for what the policy calls transient (a 5xx, a
// connection reset or cut short) is tried again, then says it gave up on
// the remote. A fetch moves remote-tracking refs only once its pack is
// complete, and a failed first clone leaves the folder as it found it, so
// any call may be repeated. The zero Client uses retry.Default.
//
// Every command's git network calls go through a Client, so that none of
// them can wait on a stalled server for ever.
type Client struct {
	Policy retry.Policy
}

// NewClient returns a Client with policy, go-git's transports set up.
func NewClient(policy retry.Policy) Client {
	ensureTransports()
	return Client{Policy: policy.WithDefaults()}
}

// Fetch is Fetch under the client's policy.
func (c Client) Fetch(ctx context.Context, req Request) (bool, error) {
	var fetched bool
	err := c.do(ctx, req.Remote, func(ctx context.Context) error {
		var err error
		fetched, err = Fetch(ctx, req)
		return err
	})
	return fetched, err
}

// Prefetch is Prefetch under the client's policy.
func (c Client) Prefetch(ctx context.Context, req Request) error {
	return c.do(ctx, req.Remote, func(ctx context.Context) error { return Prefetch(ctx, req) })
}

// Sync is Sync under the client's policy.
func (c Client) Sync(ctx context.Context, req Request) (Result, error) {
	var res Result
	err := c.do(ctx, req.Remote, func(ctx context.Context) error {
		var err error
		res, err = Sync(ctx, req)
		return err
	})
	return res, err
}

// Look is Look under the client's policy.
func (c Client) Look(ctx context.Context, remote string, pick func(refs map[string]string) []string) (*Looked, error) {
	var l *Looked
	err := c.do(ctx, remote, func(ctx context.Context) error {
		var err error
		l, err = Look(ctx, remote, pick)
		return err
	})
	return l, err
}

// LsRemote is LsRemote under the client's policy.
func (c Client) LsRemote(ctx context.Context, remote string) (map[string]string, error) {
	var refs map[string]string
	err := c.do(ctx, remote, func(ctx context.Context) error {
		var err error
		refs, err = LsRemote(ctx, remote)
		return err
	})
	return refs, err
}

// ListRefs is ListRefs under the client's policy.
func (c Client) ListRefs(ctx context.Context, remote, dir string) (map[string]string, error) {
	var refs map[string]string
	err := c.do(ctx, remote, func(ctx context.Context) error {
		var err error
		refs, err = ListRefs(ctx, remote, dir)
		return err
	})
	return refs, err
}

// do runs one call of remote under the policy.
func (c Client) do(ctx context.Context, remote string, call func(context.Context) error) error {
	ensureTransports()
	p := c.Policy.WithDefaults()
	tctx, cancel := context.WithTimeout(withPolicy(ctx, p), p.Deadline)
	defer cancel()
	err := p.Do(tctx, func(ctx context.Context) error { return gitStatus(call(ctx)) })
	switch {
	case err == nil:
	case ctx.Err() == nil && errors.Is(tctx.Err(), context.DeadlineExceeded):
		// A transfer that keeps moving, or a server that answers each
		// read just in time, is past what Idle can see.
		err = fmt.Errorf("gave up after %s (the git server or the network is too slow; set %s to wait longer): %w", retry.ShortDuration(p.Deadline), retry.DeadlineEnv, err)
	case retry.Transient(err):
		err = gaveUp(err, remote, p.Attempts)
	}
	return err
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
