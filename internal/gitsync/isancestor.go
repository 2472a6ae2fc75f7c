package gitsync

import (
	"context"
	"errors"
	"fmt"
	"os"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/x-platform/x-platform/internal/redact"
	"github.com/x-platform/x-platform/internal/shortsha"
)

// ErrUnknownCommit is wrapped by IsAncestor's error when a commit is not
// in the checkout, e.g. it was never fetched.
var ErrUnknownCommit = errors.New("commit not in the checkout")

// IsAncestor says whether commit ancestor is reachable from commit
// descendant in the checkout at dir (a commit is its own ancestor). A
// shallow checkout whose history cannot tell is first made whole from its
// origin, as the answer would otherwise be a guess.
func IsAncestor(dir, ancestor, descendant string) (bool, error) {
	if ancestor == descendant {
		return true, nil
	}
	repo, err := openRepo(dir)
	if err != nil {
		return false, fmt.Errorf("opening %s: %w", dir, err)
	}
	ok, cut, err := reaches(repo, dir, plumbing.NewHash(descendant), plumbing.NewHash(ancestor))
	if (cut || errors.Is(err, ErrUnknownCommit)) && isShallow(repo) {
		if derr := deepenOrigin(repo, dir); derr != nil {
			return false, fmt.Errorf("telling whether %s is in the history of %s in %s: %w", shortsha.Commit(ancestor), shortsha.Commit(descendant), dir, derr)
		}
		ok, cut, err = reaches(repo, dir, plumbing.NewHash(descendant), plumbing.NewHash(ancestor))
	}
	if err != nil {
		return false, err
	}
	if cut {
		return false, fmt.Errorf("telling whether %s is in the history of %s in %s: the history is cut off (%s)", shortsha.Commit(ancestor), shortsha.Commit(descendant), dir, depthSetting)
	}
	return ok, nil
}

// reaches walks the history of from looking for to. cut says the walk met
// a commit whose parents the checkout lacks, so a false is no answer.
func reaches(repo *git.Repository, dir string, from, to plumbing.Hash) (ok, cut bool, err error) {
	if _, err := repo.CommitObject(to); err != nil {
		return false, false, commitError(dir, to.String(), err)
	}
	start, err := repo.CommitObject(from)
	if err != nil {
		return false, false, commitError(dir, from.String(), err)
	}
	seen := map[plumbing.Hash]bool{from: true}
	queue := []plumbing.Hash{start.Hash}
	for len(queue) > 0 {
		h := queue[0]
		queue = queue[1:]
		c, err := repo.CommitObject(h)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			cut = true
			continue
		}
		if err != nil {
			return false, false, fmt.Errorf("walking the history of %s in %s: %w", from, dir, err)
		}
		for _, p := range c.ParentHashes {
			if p == to {
				return true, false, nil
			}
			if !seen[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
	}
	return false, cut, nil
}

// deepenOrigin makes the shallow checkout at dir whole from its origin.
func deepenOrigin(repo *git.Repository, dir string) error {
	ensureTransports()
	cfg, err := repo.Config()
	if err != nil {
		return fmt.Errorf("reading config of %s: %w", dir, err)
	}
	origin, ok := cfg.Remotes[git.DefaultRemoteName]
	if !ok || len(origin.URLs) == 0 {
		return fmt.Errorf("%s is shallow and has no origin remote to fetch its history from", dir)
	}
	req := Request{Remote: origin.URLs[0], Dir: dir, Notes: func(msg string) { fmt.Fprintln(os.Stderr, msg) }}
	// Under the default policy, so that a stalled origin cannot hold the
	// reader for ever.
	err = Client{}.do(context.Background(), req.Remote, func(ctx context.Context) error {
		_, err := deepenRefs(ctx, repo, req)
		return err
	})
	return redact.Error(err)
}

func commitError(dir, sha string, err error) error {
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return fmt.Errorf("%s in %s: %w", sha, dir, ErrUnknownCommit)
	}
	return fmt.Errorf("reading commit %s in %s: %w", sha, dir, err)
}
