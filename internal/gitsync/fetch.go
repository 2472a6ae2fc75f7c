package gitsync

import (
	"context"
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
)

// Fetch brings an existing checkout's remote-tracking branches and tags up
// to date with req.Remote and touches nothing else — not the worktree,
// HEAD, the index or local branches — so a caller may look up many remotes
// at once, ahead of the Syncs that then set req.Fetched. It reports false,
// having done nothing, when req.Dir holds no checkout yet: Sync clones it.
func Fetch(ctx context.Context, req Request) (bool, error) {
	ensureTransports()
	repo, err := git.PlainOpen(req.Dir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("opening %s: %w", req.Dir, err)
	}
	if err := checkOrigin(repo, req.Dir, req.Remote); err != nil {
		return false, err
	}
	refs, err := readRefs(repo.Storer)
	if err != nil {
		return false, fmt.Errorf("reading refs: %w", err)
	}
	if _, err := fetch(ctx, repo, req, refs); err != nil {
		return false, shown(fmt.Errorf("fetching origin: %w", err))
	}
	return true, nil
}
