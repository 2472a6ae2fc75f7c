package gitsync

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"github.com/x-platform/x-platform/internal/shortsha"
)

const (
	backupRefPrefix = "refs/x-platform/backup/"

	// stagedSuffix names the staged version of a file saved beside it.
	stagedSuffix = ".staged"
)

// save puts the local work of w aside before a checkout discards it: changed
// and untracked files, and the staged version of a file whose working copy
// differs from it, go into a new folder under req.BackupDir listed in its
// MANIFEST.txt (see manifestName); backup refs keep unpushed commits reachable. It returns one
// line per place where work went.
//
// The folder is written under a temporary name, synced to disk and renamed
// into place, so a crash leaves either a complete backup or a ".partial-"
// folder beside intact originals: the caller removes or overwrites nothing
// before save returns.
func save(repo *git.Repository, req Request, head plumbing.Hash, w *localWork, now time.Time) ([]string, error) {
	if req.BackupDir == "" {
		return nil, errors.New("no backup folder was given")
	}
	base := now.UTC().Format("20060102T150405Z")
	if err := os.MkdirAll(req.BackupDir, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(req.BackupDir, ".partial-"+base+"-")
	if err != nil {
		return nil, err
	}
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(tmp)
		}
	}()
	lines, files, err := copyWork(repo, req.Dir, tmp, w.status)
	if err != nil {
		return nil, err
	}
	refs := w.refsToKeep(head)
	header := fmt.Sprintf("# Local work of %s saved at %s before checking out %s.\n"+
		"# Files were copied here with their paths; deleted files only appear below.\n"+
		"# A file whose staged version differed from its working copy also has that\n"+
		"# version here, named <file>%s.\n",
		req.Dir, now.UTC().Format(time.RFC3339), req.Reference, stagedSuffix)
	manifest := manifestName(w.status)
	stamp, dst, err := publish(req.BackupDir, tmp, base, manifest, func(stamp string) []byte {
		m := header + lines
		for _, k := range refs {
			m += fmt.Sprintf("ref       %s %s %s\n", k.ref(stamp), k.hash, k.what)
		}
		return []byte(m)
	})
	if err != nil {
		return nil, err
	}
	done = true

	var saved []string
	if files > 0 {
		saved = append(saved, fmt.Sprintf("%d changed or untracked files saved in %s (see %s)", files, dst, manifest))
	}
	for _, k := range refs {
		ref := k.ref(stamp)
		if err := setRef(repo, ref, k.hash); err != nil {
			return nil, err
		}
		if err := syncRef(gitDir(repo), ref); err != nil {
			return nil, fmt.Errorf("syncing %s: %w", ref, err)
		}
		saved = append(saved, fmt.Sprintf("%s (%s) kept as %s", k.what, shortsha.Git(k.hash.String()), ref))
	}
	return saved, nil
}

// keptRef is an unpushed commit that a backup ref will keep reachable.
type keptRef struct {
	what   string // "HEAD" or "branch <name>"
	suffix string // added to the backup's stamp to name the ref
	hash   plumbing.Hash
}

func (k keptRef) ref(stamp string) plumbing.ReferenceName {
	return plumbing.ReferenceName(backupRefPrefix + stamp + k.suffix)
}

func (w *localWork) refsToKeep(head plumbing.Hash) []keptRef {
	var keep []keptRef
	if w.headLost {
		keep = append(keep, keptRef{what: "HEAD", hash: head})
	}
	names := make([]string, 0, len(w.branches))
	for name := range w.branches {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		keep = append(keep, keptRef{what: "branch " + name, suffix: "-" + name, hash: w.branches[name]})
	}
	return keep
}

// copyWork copies the changed and untracked files of st from dir into dst,
// each synced to disk, and returns the MANIFEST lines and how many files of
// the checkout it saved.
func copyWork(repo *git.Repository, dir, dst string, st *status) (string, int, error) {
	var m strings.Builder
	taken := map[string]bool{}
	for _, name := range st.changed {
		taken[name] = true
	}
	for _, name := range st.untracked {
		taken[name] = true
	}
	entries := make(map[string]*index.Entry, len(st.idx.Entries))
	for _, e := range st.idx.Entries {
		if e.Stage == stageMerged {
			entries[e.Name] = e
		}
	}
	files := 0
	for _, name := range st.changed {
		kind := "changed"
		if st.deleted[name] {
			kind = "deleted"
		} else if err := copyFile(filepath.Join(dir, name), filepath.Join(dst, name)); err != nil {
			return "", 0, err
		}
		fmt.Fprintf(&m, "%-9s %s\n", kind, name)
		files++
		// The index holds content found neither in HEAD nor in the
		// worktree, which the checkout would lose.
		if e := entries[name]; e != nil && st.staged[name] && st.unstaged[name] && e.Mode != filemode.Submodule {
			alt := name + stagedSuffix
			for i := 2; taken[alt]; i++ {
				alt = fmt.Sprintf("%s%s-%d", name, stagedSuffix, i)
			}
			taken[alt] = true
			if err := writeBlob(repo, e, filepath.Join(dst, alt)); err != nil {
				return "", 0, fmt.Errorf("saving the staged version of %s: %w", name, err)
			}
			fmt.Fprintf(&m, "%-9s %s (the staged version of %s)\n", "staged", alt, name)
		}
	}
	for _, name := range st.untracked {
		// git rm --cached leaves a file both changed and untracked.
		if _, copied := slices.BinarySearch(st.changed, name); !copied {
			if err := copyFile(filepath.Join(dir, name), filepath.Join(dst, name)); err != nil {
				return "", 0, err
			}
		}
		fmt.Fprintf(&m, "untracked %s\n", name)
		files++
	}
	return m.String(), files, nil
}

// manifestName is MANIFEST.txt unless the checkout's own saved files hold one.
func manifestName(st *status) string {
	for _, name := range append(st.changed[:len(st.changed):len(st.changed)], st.untracked...) {
		if name == "MANIFEST.txt" {
			return "MANIFEST.x-platform.txt"
		}
	}
	return "MANIFEST.txt"
}

// publish writes the manifest that body makes for a stamp into tmp as name,
// syncs tmp's tree and renames it to root/<stamp>, adding a counter to stamp
// when a backup of the same second exists.
func publish(root, tmp, base, name string, body func(stamp string) []byte) (string, string, error) {
	for i := 0; i < 100; i++ {
		stamp := base
		if i > 0 {
			stamp = fmt.Sprintf("%s-%d", base, i)
		}
		dst := filepath.Join(root, stamp)
		if _, err := os.Lstat(dst); err == nil {
			continue
		}
		if err := writeSynced(filepath.Join(tmp, name), body(stamp), 0o644); err != nil {
			return "", "", err
		}
		if err := syncDirs(tmp); err != nil {
			return "", "", err
		}
		// rename replaces an empty folder; a backup folder is never empty.
		err := os.Rename(tmp, dst)
		if errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.ENOTEMPTY) {
			continue
		}
		if err != nil {
			return "", "", err
		}
		if err := syncDir(root); err != nil {
			return "", "", err
		}
		return stamp, dst, nil
	}
	return "", "", fmt.Errorf("too many backups named %s in %s", base, root)
}

// dropBranches deletes local branches whose commits save kept under backup refs.
func dropBranches(repo *git.Repository, branches map[string]plumbing.Hash) error {
	for name := range branches {
		if err := repo.Storer.RemoveReference(plumbing.NewBranchReferenceName(name)); err != nil {
			return fmt.Errorf("deleting branch %s: %w", name, err)
		}
	}
	return nil
}
