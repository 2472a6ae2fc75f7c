package gitsync

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/x-platform/x-platform/internal/shortsha"
)

const (
	// fetchedRef keeps the commit a shallow checkout last fetched by its
	// SHA: the remote served it, so it is on the remote though no fetched
	// branch or tag may show it.
	fetchedRef = plumbing.ReferenceName("refs/x-platform/fetched")

	// fullDepth is git's own "infinite" depth: asking for it with the
	// shallow commits we hold fetches the history they cut off.
	fullDepth = 1<<31 - 1

	// depthSetting names the setting in messages about shallow history.
	depthSetting = "git.depth in x-platform.yml, --depth or XP_DEPTH"
)

// isShallow reports whether the checkout lacks history below some commits.
func isShallow(repo *git.Repository) bool {
	s, err := repo.Storer.Shallow()
	return err == nil && len(s) > 0
}

// narrowSpecs lists the refspecs that fetch only what reference names, in
// the order lookup prefers them: a name that may be a branch or a tag is
// tried as a branch first.
func narrowSpecs(reference string) []config.RefSpec {
	branch := func(b string) config.RefSpec {
		return config.RefSpec("refs/heads/" + b + ":" + remotePrefix + b)
	}
	tag := func(t string) config.RefSpec {
		return config.RefSpec("refs/tags/" + t + ":" + remoteTagPrefix + t)
	}
	switch {
	case isFullSHA(reference):
		return []config.RefSpec{config.RefSpec(strings.ToLower(reference) + ":" + fetchedRef.String())}
	case strings.HasPrefix(reference, "refs/tags/"):
		return []config.RefSpec{tag(strings.TrimPrefix(reference, "refs/tags/"))}
	case strings.HasPrefix(reference, "refs/heads/"):
		return []config.RefSpec{branch(strings.TrimPrefix(reference, "refs/heads/"))}
	case strings.HasPrefix(reference, remotePrefix):
		return []config.RefSpec{branch(strings.TrimPrefix(reference, remotePrefix))}
	case strings.HasPrefix(reference, "origin/"):
		return []config.RefSpec{branch(strings.TrimPrefix(reference, "origin/"))}
	}
	return []config.RefSpec{branch(reference), tag(reference)}
}

// fetchNarrow fetches only the commit req.Reference names, req.Depth deep.
// It reports handled=false when the remote refused that (no shallow
// support, a SHA it will not serve): the caller then fetches everything.
func fetchNarrow(ctx context.Context, repo *git.Repository, req Request, opts git.FetchOptions) (updated, handled bool, err error) {
	opts.Depth = req.Depth
	opts.Prune = false // other branches are not fetched, not gone
	specs := narrowSpecs(req.Reference)
	for i, spec := range specs {
		opts.RefSpecs = []config.RefSpec{spec}
		err = repo.FetchContext(ctx, &opts)
		var noMatch git.NoMatchingRefSpecError
		if errors.As(err, &noMatch) {
			// The remote no longer has it: a ref fetched earlier must
			// not answer for it, as a pruning fetch would remove it.
			dropped, err := dropRef(repo, spec)
			if err != nil {
				return false, true, err
			}
			updated = updated || dropped
		}
		switch {
		case errors.Is(err, git.NoErrAlreadyUpToDate):
			return updated, true, nil
		case err == nil:
			return true, true, tidyShallow(repo)
		case errors.As(err, &noMatch) && i < len(specs)-1:
			continue
		case errors.As(err, &noMatch):
			return updated, true, nil // resolving says the name is unknown
		case ctx.Err() != nil:
			return false, true, err
		}
		refusedOnce(req, err)
		return false, false, nil
	}
	return false, true, nil
}

// dropRef removes the remote-tracking ref a narrow spec fetches into and
// reports whether there was one.
func dropRef(repo *git.Repository, spec config.RefSpec) (bool, error) {
	dst := spec.Dst(plumbing.ReferenceName(spec.Src()))
	if _, err := repo.Reference(dst, false); err != nil {
		return false, nil
	}
	if err := repo.Storer.RemoveReference(dst); err != nil {
		return false, fmt.Errorf("removing %s, which the remote no longer has: %w", dst, err)
	}
	return true, nil
}

var refusals sync.Map // remote URL → struct{}: said once per process

// refusedOnce says, once per remote, that it would not serve a shallow or
// by-SHA fetch and the whole history is fetched instead.
func refusedOnce(req Request, err error) {
	if _, said := refusals.LoadOrStore(req.Remote, struct{}{}); said {
		return
	}
	what := "a shallow fetch"
	if isFullSHA(req.Reference) {
		what = "a shallow fetch of commit " + shortsha.Commit(req.Reference)
	}
	req.note(fmt.Sprintf("note: the remote refused %s (%v); fetching the whole history instead of %s", what, err, depthSetting))
}

// deepen fetches the whole history of every branch and tag into a shallow
// checkout, for a question its history cannot answer.
func deepen(ctx context.Context, repo *git.Repository, req Request) error {
	req.Depth = 0
	req.note("fetching every branch and tag with its whole history into " + req.Dir +
		": the history fetched at the depth set (" + depthSetting + ") is too short to answer")
	if _, err := fetchAll(ctx, repo, req); err != nil {
		return fmt.Errorf("fetching the history this checkout lacks, as it was fetched at a depth (%s): %w", depthSetting, err)
	}
	return nil
}

// tidyShallow drops from .git/shallow the commits whose parents a later
// fetch brought, so a checkout made whole again is no longer taken for
// shallow; go-git only ever adds to that list.
func tidyShallow(repo *git.Repository) error {
	shallows, err := repo.Storer.Shallow()
	if err != nil || len(shallows) == 0 {
		return err
	}
	var keep []plumbing.Hash
	for _, h := range shallows {
		c, err := repo.CommitObject(h)
		if err != nil {
			continue // not in the checkout: nothing is cut off there
		}
		for _, p := range c.ParentHashes {
			if _, err := repo.Storer.EncodedObject(plumbing.CommitObject, p); err != nil {
				keep = append(keep, h)
				break
			}
		}
	}
	switch dotGit := gitDir(repo); {
	case len(keep) == len(shallows):
		return nil
	case len(keep) == 0 && dotGit != "":
		// git takes an empty shallow file for a shallow repository.
		if err := os.Remove(filepath.Join(dotGit, "shallow")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	return repo.Storer.SetShallow(keep)
}

// deepenRefs deepens a shallow checkout and returns its refs after it.
func deepenRefs(ctx context.Context, repo *git.Repository, req Request) (refs, error) {
	before, err := readRefs(repo.Storer)
	if err != nil {
		return nil, err
	}
	if err := deepen(ctx, repo, req); err != nil {
		return nil, err
	}
	return followTags(repo, before, req.note)
}
