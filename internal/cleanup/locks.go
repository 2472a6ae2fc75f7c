package cleanup

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/retention"
)

// errNoRepository says the manifest's folder is in no git repository, so
// there is no lock history to read.
var errNoRepository = errors.New("not in a git repository")

// lockHistories reads x-platform.lock in the last n commits (first
// parents) of each branch, remote-tracking branch and tag of the git
// repository holding the manifest folder root, and the lock file on disk.
// Images outside registry are left out.
func lockHistories(root, registry string, n int) ([]retention.LockHistory, error) {
	var out []retention.LockHistory
	if f, err := lock.Read(filepath.Join(root, lock.FileName)); err == nil {
		out = append(out, retention.LockHistory{Ref: "the working tree", Commits: []retention.LockCommit{{Images: lockRefs(f, registry)}}})
	} else if !errors.Is(err, lock.ErrNoLock) {
		return nil, err
	}
	repo, err := git.PlainOpenWithOptions(root, &git.PlainOpenOptions{DetectDotGit: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return out, errNoRepository
	}
	if err != nil {
		return nil, fmt.Errorf("opening the platform repository at %s: %w", root, err)
	}
	path, err := lockPath(repo, root)
	if err != nil {
		return nil, err
	}
	refs, err := repo.References()
	if err != nil {
		return nil, fmt.Errorf("reading the platform repository's refs: %w", err)
	}
	type named struct {
		name string
		hash plumbing.Hash
	}
	var tips []named
	err = refs.ForEach(func(r *plumbing.Reference) error {
		n := r.Name()
		switch {
		case r.Type() != plumbing.HashReference || strings.HasSuffix(n.String(), "/HEAD"):
		case n.IsBranch():
			tips = append(tips, named{n.Short(), r.Hash()})
		case n.IsRemote():
			tips = append(tips, named{n.Short(), r.Hash()})
		case n.IsTag():
			tips = append(tips, named{"tag " + n.Short(), r.Hash()})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the platform repository's refs: %w", err)
	}
	sort.Slice(tips, func(i, j int) bool { return tips[i].name < tips[j].name })
	cache := map[plumbing.Hash][]retention.Ref{}
	for _, tip := range tips {
		c, err := peelCommit(repo, tip.hash)
		if err != nil {
			continue // a tag of a tree or blob has no lock history
		}
		h := retention.LockHistory{Ref: tip.name}
		for c != nil && len(h.Commits) < n {
			images, ok := cache[c.Hash]
			if !ok {
				if images, err = lockAt(c, path, registry); err != nil {
					return nil, fmt.Errorf("reading %s at %s (%s): %w", lock.FileName, tip.name, c.Hash, err)
				}
				cache[c.Hash] = images
			}
			h.Commits = append(h.Commits, retention.LockCommit{Commit: c.Hash.String(), Images: images})
			if c.NumParents() == 0 {
				break
			}
			if c, err = c.Parent(0); err != nil {
				// A shallow clone ends here.
				break
			}
		}
		out = append(out, h)
	}
	return out, nil
}

// lockPath is where the lock file beside the manifest is in the
// repository's trees.
func lockPath(repo *git.Repository, root string) (string, error) {
	wt, err := repo.Worktree()
	if err != nil {
		return "", fmt.Errorf("opening the platform repository's worktree: %w", err)
	}
	top, err := filepath.EvalSymlinks(wt.Filesystem.Root())
	if err != nil {
		return "", err
	}
	dir, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(top, dir)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(filepath.Join(rel, lock.FileName)), nil
}

func peelCommit(repo *git.Repository, h plumbing.Hash) (*object.Commit, error) {
	if t, err := repo.TagObject(h); err == nil {
		return t.Commit()
	}
	return repo.CommitObject(h)
}

// lockAt reads the lock file in commit c; none, or one that does not
// decode, pins nothing.
func lockAt(c *object.Commit, path, registry string) ([]retention.Ref, error) {
	f, err := c.File(path)
	if errors.Is(err, object.ErrFileNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	text, err := f.Contents()
	if err != nil {
		return nil, err
	}
	lf, err := lock.Decode([]byte(text))
	if err != nil {
		// An old or broken lock cannot be deployed with --locked either.
		return nil, nil
	}
	return lockRefs(lf, registry), nil
}

func lockRefs(f *lock.File, registry string) []retention.Ref {
	var out []retention.Ref
	for _, name := range slices.Sorted(maps.Keys(f.Services)) {
		e := f.Services[name]
		if ref, ok := refIn(registry, e.Image, e.Digest); ok {
			out = append(out, ref)
		}
	}
	return out
}
