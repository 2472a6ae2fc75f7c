package gitsync

import (
	"context"
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/x-platform/x-platform/internal/shortsha"
)

// tagSpec fetches the remote's tags beside its branches, into refs of their
// own (no "+", as branchSpec).
const tagSpec = config.RefSpec("refs/tags/*:" + remoteTagPrefix + "*")

// Fetch brings an existing checkout's remote-tracking branches and tags up
// to date with req.Remote and touches nothing else — not the worktree,
// HEAD, the index, local branches or local tags the user moved (see
// followTags) — so a caller may look up many remotes at once, ahead of the
// Syncs that then set req.Fetched. It reports false, having done nothing,
// when req.Dir holds no checkout yet: Sync clones it.
func Fetch(ctx context.Context, req Request) (bool, error) {
	ensureTransports()
	if err := checkSparse(req.Dir); err != nil {
		return false, err
	}
	repo, err := openRepo(req.Dir)
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

// followTags makes local tags follow the remote's after a fetch, as git
// fetch does: a tag the remote added is created, and one the user never
// moved (it still points where the remote's did before the fetch) follows
// the remote. A local tag that points elsewhere is kept, and w told so: it
// may be all that keeps a local commit reachable. before is the refs before
// the fetch; followTags returns them after it.
func followTags(repo *git.Repository, before refs, note func(string)) (refs, error) {
	after, err := readRefs(repo.Storer)
	if err != nil {
		return nil, err
	}
	for n, theirs := range after {
		if !isRemoteTag(n) {
			continue
		}
		name := n.String()[len(remoteTagPrefix):]
		local := plumbing.NewTagReferenceName(name)
		mine, ok := after[local]
		if ok && mine != theirs && mine != before[n] {
			note(fmt.Sprintf("keeping local tag %s at %s; the remote's %s is at %s (%s)",
				name, shortsha.Git(mine.String()), name, shortsha.Git(theirs.String()), n))
			continue
		}
		if err := setRef(repo, local, theirs); err != nil {
			return nil, err
		}
		after[local] = theirs
	}
	return after, nil
}
