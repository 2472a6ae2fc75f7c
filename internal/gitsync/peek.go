package gitsync

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/x-platform/x-platform/internal/gitsync/gitauth"
	"github.com/x-platform/x-platform/internal/redact"
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
	ensureTransports()
	am, err := gitauth.For(ctx, remote)
	if err != nil {
		return Snapshot{}, fmt.Errorf("fetching %s of %s: %w", refName, redact.URL(remote), err)
	}
	repo, err := git.CloneContext(ctx, memory.NewStorage(), nil, &git.CloneOptions{
		URL:           remote,
		Auth:          am,
		ReferenceName: plumbing.ReferenceName(refName),
		SingleBranch:  true,
		Depth:         1,
		NoCheckout:    true,
		Tags:          git.NoTags,
	})
	if err != nil {
		return Snapshot{}, fmt.Errorf("fetching %s of %s: %w", refName, redact.URL(remote), shown(err))
	}
	head, err := repo.Head()
	if err != nil {
		return Snapshot{}, fmt.Errorf("reading %s: %w", refName, err)
	}
	c, err := repo.CommitObject(head.Hash())
	if err != nil {
		return Snapshot{}, fmt.Errorf("reading commit %s: %w", head.Hash(), err)
	}
	root, err := c.Tree()
	if err != nil {
		return Snapshot{}, fmt.Errorf("reading tree of %s: %w", head.Hash(), err)
	}
	snap := Snapshot{Commit: c.Hash.String(), Tree: root.Hash.String(), Files: map[string][]byte{}}
	if sub = strings.Trim(path.Clean("/"+sub), "/"); sub != "" {
		t, err := root.Tree(sub)
		if err != nil {
			return Snapshot{}, fmt.Errorf("commit %s has no folder %s", snap.Commit[:12], sub)
		}
		snap.Tree = t.Hash.String()
	}
	for _, name := range files {
		// As TreeFile reads them from a checkout, so that plan and build
		// agree on a file that is a symbolic link.
		b, _, err := readTreeFile(repo.Storer, root, sub, cleanTreePath(name))
		if errors.Is(err, ErrNoFile) {
			continue
		}
		if err != nil {
			return Snapshot{}, fmt.Errorf("reading %s at %s: %w", name, snap.Commit[:12], err)
		}
		snap.Files[name] = b
	}
	return snap, nil
}
