package gitsync

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"github.com/x-platform/x-platform/internal/shortsha"
)

// ErrNoFile is wrapped by TreeFile's error for a path the commit lacks.
var ErrNoFile = errors.New("no such file")

// maxLinks bounds the symbolic links followed for one path, as the
// kernel's 40 do.
const maxLinks = 40

// treeFilesDir holds copies of files TreeFile read, by commit and path, so
// a build with nothing to do opens no pack to read a Dockerfile.
const treeFilesDir = "x-platform-files"

// TreeFile returns the content of the file at the repository path name in
// commit, read from the checkout's git objects at dir, never from its
// worktree. A symbolic link on the way is followed inside the folder sub
// ("" for the whole repository) — the part of the commit a build sees —
// and refused when it leads out of it or to nothing: its target is then a
// file of the machine that runs the build, or of none, not of the commit.
func TreeFile(dir, commit, sub, name string) ([]byte, error) {
	if !plumbing.IsHash(commit) {
		return nil, fmt.Errorf("%q is not a full commit hash", commit)
	}
	sub, name = cleanTreePath(sub), cleanTreePath(name)
	_, common := gitDirs(dir)
	cache := ""
	if common != "" {
		sum := sha256.Sum256([]byte(commit + "\x00" + sub + "\x00" + name))
		cache = filepath.Join(common, treeFilesDir, hex.EncodeToString(sum[:20]))
		if b, ok := cachedBlob(cache); ok {
			return b, nil
		}
	}
	repo, err := openRepo(dir)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", dir, err)
	}
	c, err := repo.CommitObject(plumbing.NewHash(commit))
	if err != nil {
		return nil, fmt.Errorf("reading commit %s: %w", commit, err)
	}
	root, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("reading tree of %s: %w", commit, err)
	}
	b, h, err := readTreeFile(repo.Storer, root, sub, name)
	if err != nil {
		return nil, fmt.Errorf("reading %s at %s: %w", name, shortsha.Commit(commit), err)
	}
	if cache != "" {
		// A failure only costs reading the objects again next time.
		if os.MkdirAll(filepath.Dir(cache), 0o755) == nil {
			_ = writeDurably(filepath.Dir(cache), filepath.Base(cache), append([]byte(h.String()+"\n"), b...))
		}
	}
	return b, nil
}

// cachedBlob reads a copy TreeFile made, checked against the blob hash it
// starts with.
func cachedBlob(p string) ([]byte, bool) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, false
	}
	line, data, ok := bytes.Cut(b, []byte("\n"))
	if !ok || !plumbing.IsHash(string(line)) || plumbing.ComputeHash(plumbing.BlobObject, data) != plumbing.NewHash(string(line)) {
		return nil, false
	}
	return data, true
}

// readTreeFile reads the file at name below root, following symbolic links
// only while they stay inside the folder sub, and returns its content and
// blob hash.
func readTreeFile(s storer.EncodedObjectStorer, root *object.Tree, sub, name string) ([]byte, plumbing.Hash, error) {
	asked, p := name, name
	for links := 0; ; links++ {
		if links > maxLinks {
			return nil, plumbing.ZeroHash, fmt.Errorf("%s: too many levels of symbolic links", asked)
		}
		e, at, target, err := findPath(s, root, p)
		if err != nil {
			if asked != p {
				return nil, plumbing.ZeroHash, fmt.Errorf("%s leads to %s, which the commit does not have: %w", asked, p, ErrNoFile)
			}
			return nil, plumbing.ZeroHash, fmt.Errorf("the commit has no %s: %w", p, ErrNoFile)
		}
		if target == "" {
			switch e.Mode {
			case filemode.Regular, filemode.Executable, filemode.Deprecated:
			default:
				return nil, plumbing.ZeroHash, fmt.Errorf("%s is not a file (git mode %s)", p, e.Mode)
			}
			b, err := readBlob(s, e.Hash)
			return b, e.Hash, err
		}
		next := path.Join(path.Dir(at), target)
		if rest := strings.TrimPrefix(p, at); rest != "" {
			next = path.Join(next, rest)
		}
		if path.IsAbs(target) || !within(next, sub) {
			where := "the repository"
			if sub != "" {
				where = "folder " + sub + ", the part of the commit the build sees"
			}
			return nil, plumbing.ZeroHash, fmt.Errorf("%s is a symbolic link to %s, outside %s; commit the file itself there, or point the manifest at it",
				at, target, where)
		}
		p = next
	}
}

// within says whether the clean slash path p is sub or below it.
func within(p, sub string) bool {
	if p == ".." || strings.HasPrefix(p, "../") || path.IsAbs(p) {
		return false
	}
	return sub == "" || p == sub || strings.HasPrefix(p, sub+"/")
}

// findPath walks p below root and returns its entry, or the first symbolic
// link on the way: its path and target.
func findPath(s storer.EncodedObjectStorer, root *object.Tree, p string) (*object.TreeEntry, string, string, error) {
	parts := strings.Split(p, "/")
	t := root
	for i, part := range parts {
		e := entryNamed(t, part)
		if e == nil {
			return nil, "", "", object.ErrFileNotFound
		}
		at := strings.Join(parts[:i+1], "/")
		if e.Mode == filemode.Symlink {
			b, err := readBlob(s, e.Hash)
			if err != nil {
				return nil, "", "", err
			}
			return e, at, string(b), nil
		}
		if i == len(parts)-1 {
			return e, at, "", nil
		}
		if e.Mode != filemode.Dir {
			return nil, "", "", object.ErrDirectoryNotFound
		}
		sub, err := object.GetTree(s, e.Hash)
		if err != nil {
			return nil, "", "", err
		}
		t = sub
	}
	return nil, "", "", object.ErrFileNotFound
}

func entryNamed(t *object.Tree, name string) *object.TreeEntry {
	for i := range t.Entries {
		if t.Entries[i].Name == name {
			return &t.Entries[i]
		}
	}
	return nil
}

func readBlob(s storer.EncodedObjectStorer, h plumbing.Hash) ([]byte, error) {
	b, err := object.GetBlob(s, h)
	if err != nil {
		return nil, err
	}
	r, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}
