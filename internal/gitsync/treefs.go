package gitsync

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/tonistiigi/fsutil"
	"github.com/tonistiigi/fsutil/types"
)

// TreeFSOptions says how the entries of a TreeFS are presented.
type TreeFSOptions struct {
	// UID and GID own every entry: git records no owner, and the build
	// steps that read the sources run as a user that must own them.
	UID, GID int
}

// streamThreshold is the blob size above which content is streamed from the
// object database instead of being inflated into memory in one piece.
const streamThreshold = 1 << 20

// treeEpoch is the modification time of every directory. Files get a time
// derived from their content (see contentTime).
var treeEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()

// contentTime gives a file a modification time that depends on its blob
// alone, within a year of treeEpoch. A constant would do for caching, but
// BuildKit's receiver skips a file whose size and time match its previous
// transfer, so an edit that keeps the size would never reach the daemon.
func contentTime(h plumbing.Hash) int64 {
	const year = uint64(365 * 24 * time.Hour)
	return treeEpoch + int64(binary.BigEndian.Uint64(h[:8])%year)
}

// treeFS serves one git tree, indexed once, with blobs read on demand.
type treeFS struct {
	mu    sync.Mutex // go-git's object storage is not safe for concurrent use
	objs  *filesystem.Storage
	owner TreeFSOptions
	nodes map[string]*treeNode // by slash-separated path; "" is the root
	stubs stubs                // what the tree holds only a reference to
}

type treeNode struct {
	stat     *types.Stat
	blob     plumbing.Hash // content of a regular file
	children []*treeNode   // sorted by name, as filepath.WalkDir visits them
}

var _ fsutil.FS = (*treeFS)(nil)

// TreeFS serves the tree of commit at the slash-separated subfolder sub ("" =
// whole repo) of the repository whose checkout (or bare repo) is dir, as
// BuildKit's client sends sources. Everything is read from git objects, so
// the working tree, its ignored and untracked files and .git never show.
// A submodule (gitlink) is served as an empty directory: its commit is in
// another repository, which a build of this one does not see either. A
// Git LFS file is served as its pointer text. Unfetched lists both.
func TreeFS(dir, commit, sub string, opt TreeFSOptions) (fsutil.FS, error) {
	sub = cleanTreePath(sub)
	t, err := openTreeFS(dir, commit, sub, opt)
	if err != nil {
		if sub == "" {
			sub = "."
		}
		return nil, fmt.Errorf("reading tree of %s at %s: %w", commit, sub, err)
	}
	return t, nil
}

func openTreeFS(dir, commit, sub string, opt TreeFSOptions) (*treeFS, error) {
	if opt.UID < 0 || opt.UID > math.MaxUint32 || opt.GID < 0 || opt.GID > math.MaxUint32 {
		return nil, fmt.Errorf("invalid owner %d:%d", opt.UID, opt.GID)
	}
	if !plumbing.IsHash(commit) {
		return nil, errors.New("not a full commit hash")
	}
	repo, err := openRepo(dir)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", dir, err)
	}
	disk, ok := repo.Storer.(*filesystem.Storage)
	if !ok {
		return nil, fmt.Errorf("opening %s: repository not on disk", dir)
	}
	// Reopening a pack and looking for a loose copy of every object would
	// cost more than all the rest; the tree is read while nothing repacks.
	t := &treeFS{owner: opt, nodes: map[string]*treeNode{}}
	t.objs = filesystem.NewStorageWithOptions(disk.Filesystem(), cache.NewObjectLRU(16*cache.MiByte),
		filesystem.Options{KeepDescriptors: true, ExclusiveAccess: true, LargeObjectThreshold: streamThreshold})
	if err := t.index(commit, sub); err != nil {
		_ = t.objs.Close()
		return nil, err
	}
	// fsutil.FS has no Close: the packs are closed once the tree is dropped.
	runtime.AddCleanup(t, func(s *filesystem.Storage) { _ = s.Close() }, t.objs)
	return t, nil
}

func (t *treeFS) index(commit, sub string) error {
	c, err := object.GetCommit(t.objs, plumbing.NewHash(commit))
	if err != nil {
		return fmt.Errorf("reading commit: %w", err)
	}
	tree, err := c.Tree()
	if err != nil {
		return err
	}
	if sub != "" {
		if tree, err = tree.Tree(sub); errors.Is(err, object.ErrDirectoryNotFound) {
			return fmt.Errorf("no folder %s", sub)
		} else if err != nil {
			return err
		}
	}
	t.stubs.sub = sub
	if err := t.stubs.seeAbove(t.objs, c, sub); err != nil {
		return err
	}
	root := &treeNode{stat: t.stat("", os.ModeDir|0o755, 0, treeEpoch)}
	t.nodes[""] = root
	return t.add(root, "", tree)
}

// add indexes the entries of tree below dir, depth first.
func (t *treeFS) add(dir *treeNode, prefix string, tree *object.Tree) error {
	entries := slices.Clone(tree.Entries)
	// Git orders a folder as if its name ended in "/"; WalkDir, and
	// fsutil's receiver, want plain byte order.
	slices.SortFunc(entries, func(a, b object.TreeEntry) int { return strings.Compare(a.Name, b.Name) })
	dir.children = make([]*treeNode, 0, len(entries))
	for _, e := range entries {
		if !validEntryName(e.Name) {
			return fmt.Errorf("invalid entry %q in %s", e.Name, path.Join("/", prefix))
		}
		p := path.Join(prefix, e.Name)
		n, err := t.node(p, e)
		if err == nil && e.Mode == filemode.Dir {
			var sub *object.Tree
			if sub, err = object.GetTree(t.objs, e.Hash); err == nil {
				err = t.add(n, p, sub)
			}
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		t.nodes[p] = n
		t.stubs.see(p, e, n)
		dir.children = append(dir.children, n)
	}
	return nil
}

func (t *treeFS) node(p string, e object.TreeEntry) (*treeNode, error) {
	switch e.Mode {
	case filemode.Dir, filemode.Submodule:
		return &treeNode{stat: t.stat(p, os.ModeDir|0o755, 0, treeEpoch)}, nil
	case filemode.Symlink:
		target, err := t.readLink(e.Hash)
		st := t.stat(p, os.ModeSymlink|0o777, int64(len(target)), contentTime(e.Hash))
		st.Linkname = target
		return &treeNode{stat: st}, err
	case filemode.Regular, filemode.Deprecated, filemode.Executable:
		size, err := t.objs.EncodedObjectSize(e.Hash)
		perm := os.FileMode(0o644)
		if e.Mode == filemode.Executable {
			perm = 0o755
		}
		return &treeNode{stat: t.stat(p, perm, size, contentTime(e.Hash)), blob: e.Hash}, err
	default:
		return nil, fmt.Errorf("unsupported git mode %s", e.Mode)
	}
}

func (t *treeFS) readLink(h plumbing.Hash) (string, error) {
	b, err := object.GetBlob(t.objs, h)
	if err != nil {
		return "", err
	}
	r, err := b.Reader()
	if err != nil {
		return "", err
	}
	defer r.Close()
	target, err := io.ReadAll(r)
	return string(target), err
}

func (t *treeFS) stat(p string, mode os.FileMode, size, mtime int64) *types.Stat {
	return &types.Stat{Path: filepath.FromSlash(p), Mode: uint32(mode), Size: size, ModTime: mtime,
		Uid: uint32(t.owner.UID), Gid: uint32(t.owner.GID)}
}

// validEntryName refuses names git itself would not check out, which only
// a crafted repository holds: they could escape the build context or
// smuggle in a .git folder.
func validEntryName(name string) bool {
	if name == "" || name == "." || name == ".." || strings.EqualFold(name, ".git") {
		return false
	}
	return !strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '/' || r == '\\' })
}

// Walk visits target (relative to the root; "", "." and "/" mean the root
// itself, which is not visited) and everything below it, with the meaning
// filepath.WalkDir gives to SkipDir and SkipAll. Paths are relative to the
// root with the OS's separators, as fsutil's own FS reports them.
func (t *treeFS) Walk(ctx context.Context, target string, fn fs.WalkDirFunc) error {
	key := cleanTreePath(target)
	n, ok := t.nodes[key]
	var err error
	switch {
	case !ok: // as fsutil's FS does, via filepath.WalkDir's failed Lstat
		err = fn(filepath.FromSlash(key), nil, &fs.PathError{Op: "lstat", Path: target, Err: fs.ErrNotExist})
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
	case key == "":
		err = t.walkChildren(ctx, n, fn)
	default:
		err = t.walk(ctx, n, fn)
	}
	if err == fs.SkipDir || err == fs.SkipAll {
		return nil
	}
	return err
}

func (t *treeFS) walk(ctx context.Context, n *treeNode, fn fs.WalkDirFunc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	isDir := n.stat.IsDir()
	// DirEntryInfo.Info hands out copies, which fsutil's wrappers modify.
	if err := fn(n.stat.Path, &fsutil.DirEntryInfo{Stat: n.stat}, nil); err != nil || !isDir {
		if err == fs.SkipDir && isDir {
			return nil
		}
		return err
	}
	return t.walkChildren(ctx, n, fn)
}

func (t *treeFS) walkChildren(ctx context.Context, dir *treeNode, fn fs.WalkDirFunc) error {
	for _, c := range dir.children {
		if err := t.walk(ctx, c, fn); err == fs.SkipDir {
			break
		} else if err != nil {
			return err
		}
	}
	return nil
}

// Open streams the content of the regular file at p.
func (t *treeFS) Open(p string) (io.ReadCloser, error) {
	n, ok := t.nodes[cleanTreePath(p)]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	if os.FileMode(n.stat.Mode)&os.ModeType != 0 {
		return nil, &fs.PathError{Op: "open", Path: p, Err: errors.New("not a regular file")}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b, err := object.GetBlob(t.objs, n.blob)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	r, err := b.Reader()
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	return r, nil
}

// cleanTreePath turns a path in any spelling into the index's key.
func cleanTreePath(p string) string {
	return strings.Trim(path.Clean("/"+filepath.ToSlash(p)), "/")
}
