package gitsync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// ErrCommitNotAdvertised is returned by CheckReference for a full SHA that is
// the tip of no branch or tag. A remote lists only its tips, so the commit may
// still be there: the caller decides, for example by finding it on a fetched
// branch of a local checkout with Resolve.
var ErrCommitNotAdvertised = errors.New("commit is not the tip of any branch or tag of the remote")

// peeledSuffix marks the commit an annotated tag points at in a listing.
const peeledSuffix = "^{}"

// LsRemote lists the references remote advertises, by full name
// (refs/heads/master, refs/tags/v1, refs/tags/v1^{} for the commit of an
// annotated tag), without cloning. An empty repository lists nothing. In a
// run (WithRun) the remote is asked once; offline, it is not asked.
func LsRemote(ctx context.Context, remote string) (map[string]string, error) {
	l, err := Look(ctx, remote, func(map[string]string) []string { return nil })
	if err != nil {
		return nil, err
	}
	return l.Refs, nil
}

// ListRefs is LsRemote, except that offline it lists what the checkout at
// dir last fetched of the remote instead, and fails when there is none.
func ListRefs(ctx context.Context, remote, dir string) (map[string]string, error) {
	if !Offline(ctx) {
		return LsRemote(ctx, remote)
	}
	repo, err := openRepo(dir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("%s has no checkout to read references from: %w; run once without it (x-platform sync) to fetch it", dir, ErrOffline)
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", dir, err)
	}
	r, err := readRefs(repo.Storer)
	if err != nil {
		return nil, fmt.Errorf("reading refs of %s: %w", dir, err)
	}
	return listed(r, peeler(repo)), nil
}

// peeler returns the commit an annotated tag object of repo points at.
func peeler(repo *git.Repository) func(h string) (string, bool) {
	return func(h string) (string, bool) {
		t, err := repo.TagObject(plumbing.NewHash(h))
		if err != nil {
			return "", false
		}
		c, err := t.Commit()
		if err != nil {
			return "", false
		}
		return c.Hash.String(), true
	}
}

// CheckReference returns the commit reference names among the listed refs,
// by the rules Sync follows: "origin/<b>", "refs/heads/<b>" and "<b>" name a
// branch, "<t>" and "refs/tags/<t>" a tag (branches win), and a full SHA
// names itself. A tag gives the commit it points at when the listing has it.
// A SHA that is no tip comes back with an error wrapping
// ErrCommitNotAdvertised; anything else unmatched wraps ErrUnknownReference.
func CheckReference(refs map[string]string, reference string) (commit string, kind RefKind, err error) {
	r := remoteView(refs)
	t, ok := lookup(r, reference)
	if !ok {
		return "", 0, unknown(r, reference, "the remote")
	}
	if t.kind != Commit {
		return t.hash.String(), t.kind, nil
	}
	sha := t.hash.String()
	for name, h := range refs {
		if h != sha {
			continue
		}
		// The object of an annotated tag is not a commit.
		if _, annotated := refs[name+peeledSuffix]; !annotated {
			return sha, Commit, nil
		}
	}
	return sha, Commit, fmt.Errorf("%w: %s", ErrCommitNotAdvertised, sha)
}

// remoteView turns a listing into refs as a checkout records them after a
// fetch, so that lookup applies unchanged; tags hold their peeled commit.
func remoteView(listed map[string]string) refs {
	r := refs{}
	for name, h := range listed {
		switch {
		case strings.HasSuffix(name, peeledSuffix):
			continue
		case strings.HasPrefix(name, "refs/heads/"):
			r[plumbing.ReferenceName(remotePrefix+strings.TrimPrefix(name, "refs/heads/"))] = plumbing.NewHash(h)
		case strings.HasPrefix(name, "refs/tags/"):
			if peeled, ok := listed[name+peeledSuffix]; ok {
				h = peeled
			}
			r[remoteTag(strings.TrimPrefix(name, "refs/tags/"))] = plumbing.NewHash(h)
		}
	}
	return r
}
