package gitsync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/x-platform/x-platform/internal/gitsync/gitauth"
	"github.com/x-platform/x-platform/internal/redact"
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
// annotated tag), without cloning. An empty repository lists nothing.
func LsRemote(ctx context.Context, remote string) (map[string]string, error) {
	ensureTransports()
	r := git.NewRemote(memory.NewStorage(), &config.RemoteConfig{
		Name: git.DefaultRemoteName,
		URLs: []string{remote},
	})
	am, err := gitauth.For(ctx, remote)
	if err != nil {
		return nil, fmt.Errorf("listing references of %s: %w", redact.URL(remote), err)
	}
	list, err := r.ListContext(ctx, &git.ListOptions{
		Auth:          am,
		PeelingOption: git.AppendPeeled,
	})
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing references of %s: %w", redact.URL(remote), shown(err))
	}
	out := make(map[string]string, len(list))
	for _, ref := range list {
		if ref.Type() == plumbing.HashReference {
			out[ref.Name().String()] = ref.Hash().String()
		}
	}
	return out, nil
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
