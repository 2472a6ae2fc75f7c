package gitsync

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// parents refuses paths that lead through a symlink, which could make a
// checkout write or delete files outside the worktree, as git refuses them.
type parents struct {
	dir string
	ok  map[string]bool // folders known to be real or missing
}

func (p parents) check(name string) error {
	parts := strings.Split(name, "/")
	for i := 1; i < len(parts); i++ {
		d := strings.Join(parts[:i], "/")
		if p.ok[d] {
			continue
		}
		fi, err := os.Lstat(filepath.Join(p.dir, filepath.FromSlash(d)))
		if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s is beyond a symbolic link", name)
		}
		p.ok[d] = true
	}
	return nil
}

// writeFile writes one blob of the commit into the worktree, by way of
// tmp, and returns its index entry.
func writeFile(s storer.EncodedObjectStorer, dir, name string, h plumbing.Hash, mode filemode.FileMode, tmp string) (*index.Entry, error) {
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	e := &index.Entry{Name: name, Hash: h, Mode: mode}
	if mode == filemode.Submodule {
		return e, os.MkdirAll(p, 0o755)
	}
	old, err := os.Lstat(p)
	if err == nil && old.IsDir() {
		if err := os.Remove(p); err != nil {
			return nil, fmt.Errorf("clearing the way: %w", err)
		}
		old = nil
	}
	if old != nil && !old.Mode().IsRegular() {
		old = nil // only a regular file's permissions are carried over
	}
	blob, err := object.GetBlob(s, h)
	if err != nil {
		return nil, err
	}
	r, err := blob.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	_ = os.Remove(tmp) // left by an interrupted run of the same journal
	if mode == filemode.Symlink {
		target, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		err = os.Symlink(filepath.FromSlash(string(target)), tmp)
		if err != nil {
			return nil, err
		}
	} else if err := writeRegular(tmp, r, mode == filemode.Executable, old); err != nil {
		_ = os.Remove(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, p); err != nil {
		_ = os.Remove(tmp)
		return nil, err
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	fillStat(e, fi)
	return e, nil
}

// writeRegular writes a new file at p, with the permissions of the file
// it replaces (old, may be nil) but for the execute bits.
func writeRegular(p string, r io.Reader, exec bool, old fs.FileInfo) error {
	perm := fs.FileMode(0o644)
	if exec {
		perm = 0o755
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if old == nil {
		return nil
	}
	// Keep the old file's permissions; flip only the execute bits, where
	// the read bits are, as git does.
	cur := old.Mode().Perm()
	if exec && cur&0o111 == 0 {
		cur |= (cur & 0o444) >> 2
	} else if !exec {
		cur &^= 0o111
	}
	return os.Chmod(p, cur)
}

// removeFile deletes a tracked file and the folders it leaves empty.
func removeFile(dir, name string) error {
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) {
			return nil // gone already, or a folder of other files now
		}
		return err
	}
	for d := filepath.Dir(p); d != dir && len(d) > len(dir); d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			break
		}
	}
	return nil
}

// removeFiles deletes untracked files that were saved.
func removeFiles(dir string, names []string) error {
	for _, name := range names {
		if err := removeFile(dir, name); err != nil {
			return err
		}
	}
	return nil
}
