package gitsync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
)

// fetchAtDepth fetches what req.Reference names, req.Depth deep. In a run
// the remote is asked once for it: a checkout that already holds what the
// run's listing says is left as it is, and another checkout of the remote
// fetches the reference from the one that fetched it, on this machine.
func fetchAtDepth(ctx context.Context, repo *git.Repository, req Request) (bool, error) {
	a := answerFor(ctx, req.Remote)
	if a == nil {
		return fetchRemote(ctx, repo, req)
	}
	defer a.unlock()
	if a.refs != nil && holdsListed(repo, req.Reference, a.refs) {
		return false, nil
	}
	key := fmt.Sprintf("%d %s", req.Depth, req.Reference)
	if dir := a.narrow[key]; dir != "" && dir != req.Dir {
		// A sibling that cannot serve it (no git binary to serve a
		// shallow fetch) leaves the remote to ask.
		if updated, err := fetchNarrowFrom(ctx, repo, req, dir); err == nil {
			return updated, nil
		}
	}
	updated, err := fetchRemote(ctx, repo, req)
	if err == nil {
		if a.narrow == nil {
			a.narrow = map[string]string{}
		}
		a.narrow[key] = req.Dir
	}
	return updated, err
}

// holdsListed reports whether repo's ref for reference is already where
// the run's listing of the remote puts it.
func holdsListed(repo *git.Repository, reference string, listing map[string]string) bool {
	if isFullSHA(reference) {
		_, err := repo.CommitObject(plumbing.NewHash(strings.ToLower(reference)))
		return err == nil
	}
	for _, spec := range narrowSpecs(reference) {
		src := plumbing.ReferenceName(spec.Src())
		h, ok := listing[src.String()]
		if !ok {
			continue // as lookup does: a branch first, then a tag
		}
		ref, err := repo.Reference(spec.Dst(src), false)
		if err != nil || ref.Hash().String() != h {
			return false
		}
		_, err = repo.Storer.EncodedObject(plumbing.AnyObject, ref.Hash())
		return err == nil
	}
	return false
}

// fetchNarrowFrom fetches, req.Depth deep, the ref req.Reference names
// from the checkout at dir, which fetched it from the remote in this run.
func fetchNarrowFrom(ctx context.Context, repo *git.Repository, req Request, dir string) (bool, error) {
	sibling, err := openRepo(dir)
	if err != nil {
		return false, err
	}
	for _, spec := range narrowSpecs(req.Reference) {
		dst := spec.Dst(plumbing.ReferenceName(spec.Src()))
		if _, err := sibling.Reference(dst, false); err != nil {
			continue
		}
		err := repo.FetchContext(ctx, &git.FetchOptions{
			RemoteName: git.DefaultRemoteName,
			RemoteURL:  dir,
			RefSpecs:   []config.RefSpec{config.RefSpec("+" + dst + ":" + dst)},
			Depth:      req.Depth,
			Tags:       git.NoTags,
			Force:      true,
		})
		if errors.Is(err, git.NoErrAlreadyUpToDate) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("fetching %s from %s, fetched in this run: %w", req.Reference, dir, err)
		}
		return true, tidyShallow(repo)
	}
	return false, fmt.Errorf("%s holds no %s", dir, req.Reference)
}
