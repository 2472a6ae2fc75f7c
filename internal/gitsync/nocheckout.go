package gitsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/config"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// A checkout without files (Request.NoCheckout) is a .git whose HEAD and
// index are at the commit and whose worktree holds none of the tree's
// files, as after `git clone --no-checkout`, for machines that build once:
// builds read the tree from the objects. Two things make it one:
//
//   - `x-platform.checkout = false` in .git/config (noFilesSection,
//     noFilesKey) says the files are missing on purpose, so that a later
//     sync without NoCheckout writes them out and removes the setting. It
//     is set before the index loses its files and removed only once they
//     are all written, so a run killed in between leaves a folder the next
//     run still recognises.
//   - Every index entry is marked skip-worktree, as a sparse checkout's
//     are: git and the local-work guard take a missing file for one left
//     out, not a deletion, and `git status` is clean. A file someone
//     writes into the folder is local work as usual: untracked, or
//     changed when it differs from the commit's.
const (
	noFilesSection = "x-platform"
	noFilesKey     = "checkout"
)

// hasNoFiles says whether the checkout whose .git folder is dotGit was
// made without files.
func hasNoFiles(dotGit string) bool {
	if dotGit == "" {
		return false
	}
	cfg := readConfig(filepath.Join(dotGit, "config"))
	return cfg != nil && cfg.Section(noFilesSection).Option(noFilesKey) == "false"
}

// markNoFiles sets or removes x-platform.checkout=false in dotGit/config,
// replacing the file whole.
func markNoFiles(dotGit string, on bool) error {
	if dotGit == "" {
		return nil
	}
	p := filepath.Join(dotGit, "config")
	b, err := os.ReadFile(p)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	cfg := config.New()
	if err := config.NewDecoder(bytes.NewReader(b)).Decode(cfg); err != nil {
		return fmt.Errorf("reading %s: %w", p, err)
	}
	if on {
		cfg.Section(noFilesSection).SetOption(noFilesKey, "false")
	} else {
		s := cfg.Section(noFilesSection).RemoveOption(noFilesKey)
		if len(s.Options) == 0 && len(s.Subsections) == 0 {
			cfg.RemoveSection(noFilesSection)
		}
	}
	var out bytes.Buffer
	if err := config.NewEncoder(&out).Encode(cfg); err != nil {
		return err
	}
	return writeDurably(dotGit, "config", out.Bytes())
}

// place brings dir to commit h once local work is saved or found absent:
// without files when keepOut is set and the folder has none to keep (fresh:
// nothing was checked out yet, as after a clone; or made without files),
// else with them. noFiles says
// the folder was made without files; writing them out ends that.
//
// A folder with files stays one even when asked for none: its files are
// the user's to delete, and removing them would cost what not writing
// them saves.
func place(ctx context.Context, repo *git.Repository, dir string, h plumbing.Hash, st *status, fresh, noFiles, keepOut bool) error {
	dotGit := gitDir(repo)
	if keepOut && (fresh || noFiles) {
		if !noFiles {
			if err := markNoFiles(dotGit, true); err != nil {
				return fmt.Errorf("marking %s as a checkout without files: %w", dir, err)
			}
		}
		return checkoutNoFiles(repo, dir, h, st)
	}
	if err := checkout(ctx, repo, dir, h, st, noFiles); err != nil {
		return err
	}
	if noFiles {
		if err := markNoFiles(dotGit, false); err != nil {
			return fmt.Errorf("unmarking %s as a checkout without files: %w", dir, err)
		}
	}
	return nil
}

// checkoutNoFiles points the index and HEAD of dir at commit h, every entry
// skip-worktree, and writes no file. What lies at the path of a file of
// the old index or the new tree is removed, as a checkout would replace
// it: local work among it was saved or refused before.
func checkoutNoFiles(repo *git.Repository, dir string, h plumbing.Hash, st *status) error {
	files, err := treeFiles(repo.Storer, h)
	if err != nil {
		return err
	}
	dotGit := gitDir(repo)
	var lk *indexLock
	if dotGit != "" {
		if lk, err = lockIndex(dotGit); err != nil {
			return err
		}
		defer lk.release()
	}
	guard := parents{dir: dir, ok: map[string]bool{}}
	remove := func(name string) error {
		if guard.check(name) != nil {
			return nil // beyond a link: not ours
		}
		return removeFile(dir, name)
	}
	for _, e := range st.idx.Entries {
		if err := remove(e.Name); err != nil {
			return err
		}
	}
	entries := make([]*index.Entry, len(files))
	for i, f := range files {
		if err := remove(f.name); err != nil {
			return err
		}
		entries[i] = &index.Entry{Name: f.name, Hash: f.hash, Mode: f.mode, SkipWorktree: true}
	}
	return commitCheckout(repo, dotGit, h, entries, lk)
}
