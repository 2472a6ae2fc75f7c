package gitsync

import (
	"bytes"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// lfsPointer starts every Git LFS pointer file; a pointer is under 1 KiB.
const (
	lfsPointer    = "version https://git-lfs.github.com/spec/v1\n"
	lfsPointerMax = 1024
)

// Unfetched lists what a commit's tree holds only as a reference to
// content kept elsewhere: a build of the tree gets stand-ins, which is
// worth saying, since nothing fails until the image runs.
type Unfetched struct {
	LFS        []string // Git LFS pointer files, built as the pointer text
	Submodules []string // gitlinks, built as empty folders
}

// Empty says whether the tree is whole.
func (u Unfetched) Empty() bool { return len(u.LFS) == 0 && len(u.Submodules) == 0 }

func (u Unfetched) String() string {
	var parts []string
	if len(u.LFS) > 0 {
		parts = append(parts, "Git LFS files "+list(u.LFS, 5)+" are built as their pointer text (LFS content is not fetched)")
	}
	if len(u.Submodules) > 0 {
		parts = append(parts, "submodules "+list(u.Submodules, 5)+" are built as empty folders (submodules are not fetched)")
	}
	return strings.Join(parts, "; ")
}

// Unfetched lists the LFS pointers and submodules of the tree, by
// repository path.
func (t *treeFS) Unfetched() Unfetched {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stubs.list(t.objs)
}

// stubs gathers, while a tree is indexed, what Unfetched needs: gitlinks,
// the .gitattributes that could turn LFS on, and the files small enough to
// be pointers. Only when an attributes file names filter=lfs are those
// files read.
type stubs struct {
	sub        string
	submodules []string
	attrs      []plumbing.Hash
	small      map[string]plumbing.Hash
}

func (s *stubs) see(p string, e object.TreeEntry, n *treeNode) {
	switch {
	case e.Mode == filemode.Submodule:
		s.submodules = append(s.submodules, path.Join(s.sub, p))
	case n.blob.IsZero():
	case e.Name == ".gitattributes":
		s.attrs = append(s.attrs, e.Hash)
	case n.stat.Size >= int64(len(lfsPointer)) && n.stat.Size < lfsPointerMax:
		if s.small == nil {
			s.small = map[string]plumbing.Hash{}
		}
		s.small[path.Join(s.sub, p)] = n.blob
	}
}

// seeAbove takes the .gitattributes of the folders above sub, which apply
// to it too.
func (s *stubs) seeAbove(objs storer.EncodedObjectStorer, c *object.Commit, sub string) error {
	if sub == "" {
		return nil
	}
	tree, err := c.Tree()
	if err != nil {
		return err
	}
	for _, part := range strings.Split(sub, "/") {
		if e := entryNamed(tree, ".gitattributes"); e != nil && e.Mode != filemode.Symlink {
			s.attrs = append(s.attrs, e.Hash)
		}
		e := entryNamed(tree, part)
		if e == nil || e.Mode != filemode.Dir {
			return nil // index says what is missing
		}
		if tree, err = object.GetTree(objs, e.Hash); err != nil {
			return err
		}
	}
	return nil
}

func (s *stubs) list(objs storer.EncodedObjectStorer) Unfetched {
	u := Unfetched{Submodules: s.submodules}
	lfs := false
	for _, h := range s.attrs {
		b, err := readBlob(objs, h)
		lfs = lfs || (err == nil && bytes.Contains(b, []byte("filter=lfs")))
	}
	if !lfs {
		return u
	}
	for p, h := range s.small {
		if b, err := readBlob(objs, h); err == nil && bytes.HasPrefix(b, []byte(lfsPointer)) {
			u.LFS = append(u.LFS, p)
		}
	}
	sort.Strings(u.LFS)
	return u
}
