package gitsync

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Backups are the only copy of work a checkout is about to discard, so every
// byte of them reaches the disk before the originals go: files are synced
// as they are written and folders once they are complete.

// copyFile copies a file or symlink, keeping its permissions, and syncs it.
func copyFile(src, dst string) error {
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst) // its folder's sync makes it durable
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeFrom(dst, in, fi.Mode().Perm())
}

// writeBlob writes the blob of an index entry to dst as a regular file.
func writeBlob(repo *git.Repository, e *index.Entry, dst string) error {
	blob, err := object.GetBlob(repo.Storer, e.Hash)
	if err != nil {
		return err
	}
	r, err := blob.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	perm := fs.FileMode(0o644)
	if e.Mode == filemode.Executable {
		perm = 0o755
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return writeFrom(dst, r, perm)
}

func writeSynced(dst string, b []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	return finish(f, func() error { _, err := f.Write(b); return err })
}

// writeFrom creates dst, which must not exist, with what r holds.
func writeFrom(dst string, r io.Reader, perm fs.FileMode) error {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	return finish(f, func() error { _, err := io.Copy(f, r); return err })
}

// finish runs write, then syncs and closes f.
func finish(f *os.File, write func() error) error {
	err := write()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDirs syncs every folder below and including root, so the entries of
// the files written there survive a crash.
func syncDirs(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		return syncDir(p)
	})
}

func syncDir(p string) error {
	d, err := os.Open(p)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, os.ErrInvalid) {
		return nil // a filesystem that cannot sync folders
	}
	return err
}

// writeDurably replaces dir/name with data so that a crash leaves the old
// or the new content, never a mix, under a temporary name no other run
// uses.
func writeDurably(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, name+"-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = finish(f, func() error { _, err := f.Write(data); return err })
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// syncRef syncs the loose file of a ref just written, and its folders, so a
// backup ref survives a crash that follows the checkout it protects.
func syncRef(dotGit string, ref plumbing.ReferenceName) error {
	if dotGit == "" {
		return nil // not on disk
	}
	p := filepath.Join(dotGit, filepath.FromSlash(ref.String()))
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // packed: git wrote it with its own care
	}
	if err != nil {
		return err
	}
	if err := finish(f, func() error { return nil }); err != nil {
		return err
	}
	// Its folders may be new too: refs/x-platform/backup on the first backup.
	for d := filepath.Dir(p); len(d) >= len(dotGit); d = filepath.Dir(d) {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}
