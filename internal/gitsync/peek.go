package gitsync

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"github.com/x-platform/x-platform/internal/shortsha"
)

// Snapshot is what Peek read of one commit.
type Snapshot struct {
	Commit string
	// Tree is the tree hash of the folder asked for.
	Tree string
	// Files holds the files asked for that exist, by repository path.
	Files map[string][]byte
}

// Peek fetches the tip of a branch or tag (a full ref name such as
// refs/heads/master) into memory, one commit deep, and reads the tree hash
// of folder sub and the given files from it, symbolic links followed
// within sub as TreeFile follows them. No checkout is touched.
func Peek(ctx context.Context, remote, refName, sub string, files ...string) (Snapshot, error) {
	commit := func(refs map[string]string) string {
		if h, ok := refs[refName+peeledSuffix]; ok {
			return h
		}
		return refs[refName]
	}
	l, err := Look(ctx, remote, func(refs map[string]string) []string { return []string{commit(refs)} })
	if err != nil {
		return Snapshot{}, err
	}
	c := commit(l.Refs)
	if c == "" {
		return Snapshot{}, fmt.Errorf("%s has no %s", l.remote, refName)
	}
	return l.Snapshot(c, sub, files...)
}

// Snapshot reads folder sub and files of commit, one the look fetched.
func (l *Looked) Snapshot(commit, sub string, files ...string) (Snapshot, error) {
	if l.objects == nil {
		return Snapshot{}, fmt.Errorf("commit %s of %s was not fetched", commit, l.remote)
	}
	return snapshotOf(l.objects, plumbing.NewHash(commit), sub, files)
}

func snapshotOf(s storer.EncodedObjectStorer, h plumbing.Hash, sub string, files []string) (Snapshot, error) {
	c, err := object.GetCommit(s, h)
	if err != nil {
		return Snapshot{}, fmt.Errorf("reading commit %s: %w", h, err)
	}
	root, err := c.Tree()
	if err != nil {
		return Snapshot{}, fmt.Errorf("reading tree of %s: %w", h, err)
	}
	snap := Snapshot{Commit: c.Hash.String(), Tree: root.Hash.String(), Files: map[string][]byte{}}
	if sub = strings.Trim(path.Clean("/"+sub), "/"); sub != "" {
		t, err := root.Tree(sub)
		if err != nil {
			return Snapshot{}, fmt.Errorf("commit %s has no folder %s", shortsha.Commit(snap.Commit), sub)
		}
		snap.Tree = t.Hash.String()
	}
	for _, name := range files {
		// As TreeFile reads them from a checkout, so that plan and build
		// agree on a file that is a symbolic link.
		b, _, err := readTreeFile(s, root, sub, cleanTreePath(name))
		if errors.Is(err, ErrNoFile) {
			continue
		}
		if err != nil {
			return Snapshot{}, fmt.Errorf("reading %s at %s: %w", name, shortsha.Commit(snap.Commit), err)
		}
		snap.Files[name] = b
	}
	return snap, nil
}

// checkoutObjects opens the object store of the checkout at dir.
func checkoutObjects(dir string) (storer.EncodedObjectStorer, error) {
	repo, err := openRepo(dir)
	if err != nil {
		return nil, err
	}
	return repo.Storer, nil
}
