package gitsync

import (
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

const (
	remotePrefix = "refs/remotes/origin/"

	// remoteTagPrefix holds the remote's tags as its last fetch saw them.
	// Tags in refs/tags may be the user's own, so they prove nothing about
	// what the remote has; git keeps no remote-tracking tags of its own.
	remoteTagPrefix = "refs/x-platform/tags/"
)

// refs is a snapshot of a repository's direct references. Reading every ref
// once per Sync matters: go-git checks each path component of each loose
// ref file for symlinks, which dominates the cost of a Sync with nothing to do.
type refs map[plumbing.ReferenceName]plumbing.Hash

func readRefs(s storer.ReferenceStorer) (refs, error) {
	if dir, ok := osGitDir(s); ok {
		return readRefsDir(dir)
	}
	iter, err := s.IterReferences()
	if err != nil {
		return nil, err
	}
	r := refs{}
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() == plumbing.HashReference {
			r[ref.Name()] = ref.Hash()
		}
		return nil
	})
	return r, err
}

// known lists what the remote is known to have: remote-tracking branches and
// tags (unpeeled), the commit a shallow checkout fetched by its SHA and,
// when withSynced, the last commit taken from it.
func (r refs) known(withSynced bool) []plumbing.Hash {
	var tips []plumbing.Hash
	for n, h := range r {
		if isRemoteBranch(n) || isRemoteTag(n) || n == fetchedRef || (withSynced && n == syncedRef) {
			tips = append(tips, h)
		}
	}
	return tips
}

// branches returns the local branches by short name.
func (r refs) branches() map[string]plumbing.Hash {
	b := map[string]plumbing.Hash{}
	for n, h := range r {
		if n.IsBranch() {
			b[n.Short()] = h
		}
	}
	return b
}

// names lists the remote's branches and tags, as a user would type them.
func (r refs) names() []string {
	var names []string
	for n := range r {
		switch {
		case isRemoteBranch(n):
			names = append(names, strings.TrimPrefix(n.String(), remotePrefix))
		case isRemoteTag(n):
			names = append(names, strings.TrimPrefix(n.String(), remoteTagPrefix))
		}
	}
	return names
}

func isRemoteBranch(n plumbing.ReferenceName) bool {
	return strings.HasPrefix(n.String(), remotePrefix) && n.String() != remotePrefix+"HEAD"
}

func isRemoteTag(n plumbing.ReferenceName) bool {
	return strings.HasPrefix(n.String(), remoteTagPrefix)
}

// remoteTag names the remote-tracking ref of the remote's tag t.
func remoteTag(t string) plumbing.ReferenceName {
	return plumbing.ReferenceName(remoteTagPrefix + t)
}

// assumeRemoteTags takes the local tags for the remote's in a checkout last
// fetched before remote tags were tracked, as fetches then made them. Only
// offline look-ups use this; Sync fetches first.
func (r refs) assumeRemoteTags() {
	for n := range r {
		if isRemoteTag(n) {
			return
		}
	}
	for n, h := range r {
		if n.IsTag() {
			r[remoteTag(n.Short())] = h
		}
	}
}
