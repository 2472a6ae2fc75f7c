package gitsync

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// finishCheckout completes a checkout that a killed or interrupted run left
// journalled, before anything else looks at dir: the files it listed are
// the run's own writes. A listed file whose content is neither the old nor
// the new one was changed since by someone else; it is left alone, and
// the index marks it for hashing, so it is reported as local work.
func finishCheckout(repo *git.Repository, dir string) error {
	dotGit := gitDir(repo)
	if dotGit == "" {
		return nil
	}
	j, err := readJournal(dotGit)
	if err != nil || j == nil {
		return err
	}
	lk, err := lockIndex(dotGit)
	if err != nil {
		return err
	}
	defer lk.release()
	files, err := treeFiles(repo.Storer, j.target)
	if err != nil {
		return fmt.Errorf("reading commit %s of the unfinished checkout: %w", j.target, err)
	}
	guard := parents{dir: dir, ok: map[string]bool{}}
	for _, f := range j.removes {
		if !filepath.IsLocal(filepath.FromSlash(f.name)) || guard.check(f.name) != nil {
			continue
		}
		if h, ok := worktreeHash(dir, f.name); ok && h == f.old {
			if err := removeFile(dir, f.name); err != nil {
				return err
			}
		}
	}
	writes := map[string]int{}
	for n, f := range j.writes {
		writes[f.name] = n
		_ = os.Remove(j.tempName(dir, n))
	}
	old := map[string]*index.Entry{}
	if idx, err := repo.Storer.Index(); err == nil {
		for _, e := range idx.Entries {
			if e.Stage == stageMerged {
				old[e.Name] = e
			}
		}
	}
	entries := make([]*index.Entry, len(files))
	for i, f := range files {
		unknown := &index.Entry{Name: f.name, Hash: f.hash, Mode: f.mode} // no stat: hashed by the next scan
		n, listed := writes[f.name]
		if !listed {
			if e, ok := old[f.name]; ok && e.Hash == f.hash && e.Mode == f.mode {
				entries[i] = e
			} else {
				entries[i] = unknown
			}
			continue
		}
		if guard.check(f.name) != nil {
			entries[i] = unknown
			continue
		}
		h, present := worktreeHash(dir, f.name)
		switch {
		case present && h == f.hash:
			fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f.name)))
			if err != nil {
				return err
			}
			fillStat(unknown, fi)
			entries[i] = unknown
		case !present || h == j.writes[n].old:
			e, err := writeFile(repo.Storer, dir, f.name, f.hash, f.mode, j.tempName(dir, n))
			if err != nil {
				return fmt.Errorf("writing %s: %w", f.name, err)
			}
			entries[i] = e
		default:
			entries[i] = unknown
		}
	}
	return commitCheckout(repo, dotGit, j.target, entries, lk)
}

// worktreeHash returns the blob hash of the file at name, and whether
// there is one; a folder has no hash that any blob matches.
func worktreeHash(dir, name string) (plumbing.Hash, bool) {
	p := filepath.Join(dir, filepath.FromSlash(name))
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return plumbing.ZeroHash, false
	}
	var data []byte
	switch {
	case err != nil:
		return unmatched, true
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return unmatched, true
		}
		data = []byte(filepath.ToSlash(target))
	case fi.Mode().IsRegular():
		if data, err = os.ReadFile(p); err != nil {
			return unmatched, true
		}
	case fi.IsDir() && isEmptyDir(p):
		return plumbing.ZeroHash, false
	default:
		return unmatched, true
	}
	return plumbing.ComputeHash(plumbing.BlobObject, data), true
}

// unmatched stands for content no journal lists: all ones is no blob's hash
// that anyone will meet.
var unmatched = plumbing.NewHash("ffffffffffffffffffffffffffffffffffffffff")

func isEmptyDir(p string) bool {
	entries, err := os.ReadDir(p)
	return err == nil && len(entries) == 0
}

// repairIndex rebuilds an index that cannot be read from HEAD's tree, with
// no timestamps, so the next scan hashes every file: what differs from
// HEAD is then reported as local work rather than failing every sync.
// skip marks every entry skip-worktree, for a checkout made without files.
func repairIndex(repo *git.Repository, head plumbing.Hash, skip bool) (bool, error) {
	if _, err := repo.Storer.Index(); err == nil {
		return false, nil
	}
	idx := &index.Index{Version: 2}
	if !head.IsZero() {
		files, err := treeFiles(repo.Storer, head)
		if err != nil {
			return false, err
		}
		for _, f := range files {
			idx.Entries = append(idx.Entries, &index.Entry{Name: f.name, Hash: f.hash, Mode: f.mode, SkipWorktree: skip})
		}
	}
	return true, writeIndex(repo, idx, nil)
}
