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

// lockGaps says where the lock history read is shorter than the rule asks.
type lockGaps struct {
	// truncated are the refs whose history ends at a shallow clone's
	// boundary before n commits were read.
	truncated []string
	// unseen is set when a lock file is on disk but no commit read has one.
	unseen bool
}

// lockHistories reads x-platform.lock in the last n commits (first
// parents) of each branch, remote-tracking branch and tag of the git
// repository holding the manifest folder root, and the lock file on disk.
// Images outside registry are left out.
func lockHistories(root, registry string, n int) ([]retention.LockHistory, lockGaps, error) {
	var (
		out  []retention.LockHistory
		gaps lockGaps
	)
	onDisk := false
	if f, err := lock.Read(filepath.Join(root, lock.FileName)); err == nil {
		onDisk = true
		out = append(out, retention.LockHistory{Ref: "the working tree", Commits: []retention.LockCommit{{Images: lockRefs(f, registry)}}})
	} else if !errors.Is(err, lock.ErrNoLock) {
		return nil, gaps, err
	}
	// A linked worktree keeps its refs and objects in the common git
	// folder: opened without it, the history would be silently empty.
	repo, err := git.PlainOpenWithOptions(root, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return out, gaps, errNoRepository
	}
	if err != nil {
		return nil, gaps, fmt.Errorf("opening the platform repository at %s: %w", root, err)
	}
	path, err := lockPath(repo, root)
	if err != nil {
		return nil, gaps, err
	}
	refs, err := repo.References()
	if err != nil {
		return nil, gaps, fmt.Errorf("reading the platform repository's refs: %w", err)
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
		return nil, gaps, fmt.Errorf("reading the platform repository's refs: %w", err)
	}
	sort.Slice(tips, func(i, j int) bool { return tips[i].name < tips[j].name })
	cache := map[plumbing.Hash][]retention.Ref{}
	inCommit := map[plumbing.Hash]bool{} // commits holding a lock file
	seen := false
	for _, tip := range tips {
		c, err := peelCommit(repo, tip.hash)
		if err != nil {
			continue // a tag of a tree or blob has no lock history
		}
		h := retention.LockHistory{Ref: tip.name}
		for c != nil && len(h.Commits) < n {
			images, ok := cache[c.Hash]
			if !ok {
				var found bool
				if images, found, err = lockAt(c, path, registry); err != nil {
					return nil, gaps, fmt.Errorf("reading %s at %s (%s): %w", lock.FileName, tip.name, c.Hash, err)
				}
				cache[c.Hash], inCommit[c.Hash] = images, found
			}
			seen = seen || inCommit[c.Hash]
			h.Commits = append(h.Commits, retention.LockCommit{Commit: c.Hash.String(), Images: images})
			if c.NumParents() == 0 || len(h.Commits) == n {
				break
			}
			if c, err = c.Parent(0); err != nil {
				// A shallow clone ends here, short of n commits.
				gaps.truncated = append(gaps.truncated, fmt.Sprintf("%s ends after %d", tip.name, len(h.Commits)))
				break
			}
		}
		out = append(out, h)
	}
	gaps.unseen = onDisk && !seen
	return out, gaps, nil
}

// lockGaps notes where the lock history is shorter than the rule asks and,
// unless o accepts it, refuses every delete: an image an older lock file
// pins would go unseen.
func (o *Options) lockGaps(root string, n int, gaps lockGaps, note func(string, ...any), refuse func(service, why string)) {
	var why string
	switch {
	case len(gaps.truncated) > 0:
		why = fmt.Sprintf("the platform repository at %s is a shallow clone: the history of %s ends before the %d commits the lockCommits rule reads (%s); run `git fetch --unshallow` there",
			root, lock.FileName, n, strings.Join(gaps.truncated, ", "))
	case gaps.unseen:
		why = fmt.Sprintf("%s is on disk but in no commit of the platform repository's branches and tags, so none of its history was read; commit it, or fetch the repository's branches",
			lock.FileName)
	default:
		return
	}
	if o.PartialLockHistory {
		note("%s; planned with what there is (--partial-lock-history)", why)
		return
	}
	note("%s", why)
	for _, s := range o.Services {
		refuse(s.Name, why+", or pass --partial-lock-history to delete with the history there is")
	}
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

// lockAt reads the lock file in commit c, and says whether c has one;
// none, or one that does not decode, pins nothing.
func lockAt(c *object.Commit, path, registry string) ([]retention.Ref, bool, error) {
	f, err := c.File(path)
	if errors.Is(err, object.ErrFileNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	text, err := f.Contents()
	if err != nil {
		return nil, false, err
	}
	lf, err := lock.Decode([]byte(text))
	if err != nil {
		// An old or broken lock cannot be deployed with --locked either.
		return nil, true, nil
	}
	return lockRefs(lf, registry), true, nil
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
