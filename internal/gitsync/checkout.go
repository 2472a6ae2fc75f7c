package gitsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// checkout makes the tracked files and index of dir match commit h and
// detaches HEAD at it. Files whose index entry already matches are left alone
// unless st lists them as changed. Untracked and ignored files are never
// touched; go-git's hard reset would delete them, build outputs included.
//
// What it will write and remove is journalled first (see journal), each
// file is written under a temporary name and renamed into place, and the
// index is replaced the same way: however the run ends, the next one finds
// every file old or new, and finishes the checkout instead of taking its
// writes for local work.
//
// all writes the files the index marks skip-worktree too: the checkout of
// a folder made without files (see place).
func checkout(ctx context.Context, repo *git.Repository, dir string, h plumbing.Hash, st *status, all bool) error {
	files, err := treeFiles(repo.Storer, h)
	if err != nil {
		return err
	}
	want := make(map[string]bool, len(files))
	for _, f := range files {
		want[f.name] = true
	}
	j := &journal{id: newJournalID(), target: h}
	guard := parents{dir: dir, ok: map[string]bool{}}
	old := map[string]*index.Entry{}
	for _, e := range st.idx.Entries {
		if e.Stage == stageMerged {
			old[e.Name] = e
		}
		if !want[e.Name] && guard.check(e.Name) == nil {
			j.removes = append(j.removes, journalFile{name: e.Name, old: e.Hash, mode: e.Mode})
		}
	}
	dirty := map[string]bool{}
	for _, name := range st.changed {
		dirty[name] = true
	}
	entries := make([]*index.Entry, len(files))
	written := map[string]int{} // file's place in entries
	for i, f := range files {
		if e, ok := old[f.name]; ok && e.Hash == f.hash && e.Mode == f.mode && !dirty[f.name] && !(all && e.SkipWorktree) {
			entries[i] = e
			continue
		}
		if err := guard.check(f.name); err != nil {
			return err
		}
		var was plumbing.Hash
		if e, ok := old[f.name]; ok {
			was = e.Hash
		}
		written[f.name] = i
		j.writes = append(j.writes, journalFile{name: f.name, old: was, new: f.hash, mode: f.mode})
	}

	dotGit := gitDir(repo)
	var lk *indexLock
	if dotGit != "" {
		// Held from before the first file is touched, so that a git
		// command started meanwhile fails instead of reading half a
		// checkout, and one already running makes this one refuse.
		if lk, err = lockIndex(dotGit); err != nil {
			return err
		}
		defer lk.release()
		if err := j.write(dotGit); err != nil {
			return fmt.Errorf("writing the checkout journal: %w", err)
		}
	}
	for _, f := range j.removes {
		if err := removeFile(dir, f.name); err != nil {
			return err
		}
	}
	for n, f := range j.writes {
		// Stopping between files leaves the journal for the next run.
		if err := ctx.Err(); err != nil {
			return err
		}
		e, err := writeFile(repo.Storer, dir, f.name, f.new, f.mode, j.tempName(dir, n))
		if err != nil {
			return fmt.Errorf("writing %s: %w", f.name, err)
		}
		entries[written[f.name]] = e
	}
	return commitCheckout(repo, dotGit, h, entries, lk)
}

// commitCheckout writes the index and HEAD of a checkout whose files are
// in place, then drops its journal. lk is the index lock the checkout
// holds; the index is written through it.
func commitCheckout(repo *git.Repository, dotGit string, h plumbing.Hash, entries []*index.Entry, lk *indexLock) error {
	if err := writeIndex(repo, &index.Index{Version: 2, Entries: entries}, lk); err != nil {
		return fmt.Errorf("writing index: %w", err)
	}
	if err := setRef(repo, plumbing.HEAD, h); err != nil {
		return err
	}
	if dotGit == "" {
		return nil
	}
	if err := removeJournal(dotGit); err != nil {
		return fmt.Errorf("removing the checkout journal: %w", err)
	}
	return nil
}

// writeIndex replaces the index whole, through git's index.lock (lk when
// the caller holds it, else taken here): go-git's SetIndex truncates it
// and writes in place, so a run killed meanwhile left an index no later
// run could read, and it ignored a git command writing the same file.
func writeIndex(repo *git.Repository, idx *index.Index, lk *indexLock) error {
	for _, e := range idx.Entries {
		if (e.SkipWorktree || e.IntentToAdd) && idx.Version < 3 {
			idx.Version = 3 // git reads extended flags from version 3 on
		}
	}
	dotGit := gitDir(repo)
	if dotGit == "" {
		return repo.Storer.SetIndex(idx)
	}
	if lk == nil {
		var err error
		if lk, err = lockIndex(dotGit); err != nil {
			return err
		}
		defer lk.release()
	}
	var b bytes.Buffer
	if err := index.NewEncoder(&b).Encode(idx); err != nil {
		return err
	}
	return lk.commit(b.Bytes())
}

type treeFile struct {
	name string
	hash plumbing.Hash
	mode filemode.FileMode
}

// treeFiles lists the files of commit h in index order.
func treeFiles(s storer.EncodedObjectStorer, h plumbing.Hash) ([]treeFile, error) {
	var files []treeFile
	err := commitFiles(s, h, func(name string, e object.TreeEntry) {
		files = append(files, treeFile{name, e.Hash, normalMode(e.Mode)})
	})
	return files, err
}

// refreshIndex records the current timestamps of clean tracked files.
func refreshIndex(repo *git.Repository, dir string, idx *index.Index) error {
	for _, e := range idx.Entries {
		if e.Stage != stageMerged || e.Mode == filemode.Submodule || e.SkipWorktree {
			continue
		}
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(e.Name)))
		if err != nil {
			return err
		}
		fillStat(e, fi)
	}
	return writeIndex(repo, idx, nil)
}

// commitFiles calls fn for every file (not folder) of commit h's tree.
func commitFiles(s storer.EncodedObjectStorer, h plumbing.Hash, fn func(name string, e object.TreeEntry)) error {
	c, err := object.GetCommit(s, h)
	if err != nil {
		return err
	}
	tree, err := c.Tree()
	if err != nil {
		return err
	}
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	for {
		name, e, err := w.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if e.Mode != filemode.Dir {
			fn(name, e)
		}
	}
}
