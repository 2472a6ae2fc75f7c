package gitsync

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
)

// ErrUnknownCommit is wrapped by IsAncestor's error when a commit is not
// in the checkout, e.g. it was never fetched.
var ErrUnknownCommit = errors.New("commit not in the checkout")

// IsAncestor says whether commit ancestor is reachable from commit
// descendant in the checkout at dir (a commit is its own ancestor).
func IsAncestor(dir, ancestor, descendant string) (bool, error) {
	if ancestor == descendant {
		return true, nil
	}
	repo, err := openRepo(dir)
	if err != nil {
		return false, fmt.Errorf("opening %s: %w", dir, err)
	}
	a, err := repo.CommitObject(plumbing.NewHash(ancestor))
	if err != nil {
		return false, commitError(dir, ancestor, err)
	}
	d, err := repo.CommitObject(plumbing.NewHash(descendant))
	if err != nil {
		return false, commitError(dir, descendant, err)
	}
	ok, err := a.IsAncestor(d)
	if err != nil {
		return false, fmt.Errorf("walking the history of %s in %s: %w", descendant, dir, err)
	}
	return ok, nil
}

func commitError(dir, sha string, err error) error {
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return fmt.Errorf("%s in %s: %w", sha, dir, ErrUnknownCommit)
	}
	return fmt.Errorf("reading commit %s in %s: %w", sha, dir, err)
}
