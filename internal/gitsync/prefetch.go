package gitsync

import (
	"context"
	"fmt"

	git "github.com/go-git/go-git/v5"
)

// Prefetch fetches every branch and tag of req.Remote into the checkout at
// req.Dir in one session — req.Depth deep when the checkout is new or
// shallow — and keeps the listing for the run (WithRun), so that listing
// the remote's references and the Syncs of the run that follow ask the
// remote nothing more. A missing checkout is cloned without files; Sync
// checks out what it is asked for. Offline it does nothing.
func Prefetch(ctx context.Context, req Request) error {
	ensureTransports()
	if Offline(ctx) {
		return nil
	}
	a := answerFor(ctx, req.Remote)
	defer a.unlock()
	if a != nil && a.refs != nil && a.dir == req.Dir {
		return nil // fetched into this checkout earlier in the run
	}
	fill := func(repo *git.Repository) error { return fetchWide(ctx, repo, req) }
	repo, cloned, err := openOrCloneWith(ctx, req, fill)
	if err != nil {
		return err
	}
	current, err := readRefs(repo.Storer)
	if err != nil {
		return fmt.Errorf("reading refs: %w", err)
	}
	if !cloned {
		if err := fill(repo); err != nil {
			return shown(fmt.Errorf("fetching origin: %w", err))
		}
		if current, err = followTags(repo, current, req.note); err != nil {
			return err
		}
	}
	if a != nil {
		a.refs = listed(current, peeler(repo))
		if !isShallow(repo) {
			// Only a whole history can feed other checkouts' fetches.
			a.dir = req.Dir
		}
	}
	return nil
}

// fetchWide fetches every branch and tag. With req.Depth, a new or shallow
// checkout gets that much history of each; a whole one stays whole. A
// remote that refuses a shallow fetch is fetched whole, and told once.
func fetchWide(ctx context.Context, repo *git.Repository, req Request) error {
	opts, err := fetchOptions(ctx, req)
	if err != nil {
		return err
	}
	if req.Depth > 0 && (isShallow(repo) || isEmpty(repo)) {
		_, err := fetchEvery(ctx, repo, opts, req.Depth)
		if err == nil || ctx.Err() != nil {
			return err
		}
		refusedOnce(req, err)
	}
	_, err = fetchEvery(ctx, repo, opts, 0)
	return err
}

// isEmpty reports whether repo has no reference at all, as after git init.
func isEmpty(repo *git.Repository) bool {
	r, err := readRefs(repo.Storer)
	return err == nil && len(r) == 0
}
