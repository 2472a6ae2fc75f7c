package gitsync

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/helper/chroot"
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// osGitDir returns the folder of a repository opened from disk, so its refs
// can be read without go-git's per-component symlink checks.
func osGitDir(s storer.ReferenceStorer) (string, bool) {
	st, ok := s.(*filesystem.Storage)
	if !ok {
		return "", false
	}
	h, ok := st.Filesystem().(*chroot.ChrootHelper)
	if !ok {
		return "", false
	}
	// PlainOpen wraps the OS filesystem in a polyfill, itself in a chroot.
	var fs billy.Basic = h
	for {
		switch u := fs.(type) {
		case *osfs.ChrootOS:
			return h.Root(), true
		case interface{ Underlying() billy.Basic }:
			fs = u.Underlying()
		default:
			return "", false
		}
	}
}

// readRefsDir reads the direct references of the repository whose git
// folder is dir as go-git does — loose refs win over packed-refs, a detached
// HEAD counts — with a few system calls per ref instead of one per path
// component. Symbolic refs and anything that is not a regular file are
// skipped, as is anything under refs/ that does not hold a hash.
func readRefsDir(dir string) (refs, error) {
	r := refs{}
	if err := readPackedRefs(filepath.Join(dir, "packed-refs"), r); err != nil {
		return nil, err
	}
	err := filepath.WalkDir(filepath.Join(dir, "refs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if h, ok := readHashFile(path); ok {
			r[plumbing.ReferenceName(filepath.ToSlash(rel))] = h
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if h, ok := readHashFile(filepath.Join(dir, "HEAD")); ok {
		r[plumbing.HEAD] = h
	}
	return r, nil
}

// readHashFile reads a loose ref file that holds a hash.
func readHashFile(path string) (plumbing.Hash, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return plumbing.ZeroHash, false
	}
	s := strings.TrimSpace(string(b))
	if !plumbing.IsHash(s) {
		return plumbing.ZeroHash, false
	}
	return plumbing.NewHash(s), true
}

// readPackedRefs adds packed-refs' entries to r; peeled lines ("^…") and
// comments are skipped.
func readPackedRefs(path string, r refs) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == '^' {
			continue
		}
		h, name, ok := strings.Cut(line, " ")
		if ok && plumbing.IsHash(h) {
			r[plumbing.ReferenceName(name)] = plumbing.NewHash(h)
		}
	}
	return sc.Err()
}
