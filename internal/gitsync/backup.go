package gitsync

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

const backupRefPrefix = "refs/x-platform/backup/"

// save copies changed and untracked files into a new folder under
// req.BackupDir, lists them in its MANIFEST.txt, and points backup refs at
// unpushed commits so they stay reachable. It returns one line per place
// where work went.
func save(repo *git.Repository, req Request, head plumbing.Hash, w *localWork, now time.Time) ([]string, error) {
	if req.BackupDir == "" {
		return nil, errors.New("no backup folder was given")
	}
	stamp, dst, err := newBackupDir(req.BackupDir, now.UTC().Format("20060102T150405Z"))
	if err != nil {
		return nil, err
	}
	var m strings.Builder
	fmt.Fprintf(&m, "# Local work of %s saved at %s before checking out %s.\n",
		req.Dir, now.UTC().Format(time.RFC3339), req.Reference)
	fmt.Fprintf(&m, "# Files were copied here with their paths; deleted files only appear below.\n")

	files := 0
	for _, name := range w.status.changed {
		kind := "changed"
		if w.status.deleted[name] {
			kind = "deleted"
		} else if err := copyFile(filepath.Join(req.Dir, name), filepath.Join(dst, name)); err != nil {
			return nil, err
		}
		fmt.Fprintf(&m, "%-9s %s\n", kind, name)
		files++
	}
	for _, name := range w.status.untracked {
		if err := copyFile(filepath.Join(req.Dir, name), filepath.Join(dst, name)); err != nil {
			return nil, err
		}
		fmt.Fprintf(&m, "untracked %s\n", name)
		files++
	}

	var saved []string
	if files > 0 {
		saved = append(saved, fmt.Sprintf("%d changed or untracked files saved in %s (see MANIFEST.txt)", files, dst))
	}
	keep := func(what string, h plumbing.Hash, ref plumbing.ReferenceName) error {
		if err := setRef(repo, ref, h); err != nil {
			return err
		}
		line := fmt.Sprintf("%s (%s) kept as %s", what, h.String()[:7], ref)
		fmt.Fprintf(&m, "ref       %s %s %s\n", ref, h, what)
		saved = append(saved, line)
		return nil
	}
	if w.headLost {
		if err := keep("HEAD", head, plumbing.ReferenceName(backupRefPrefix+stamp)); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(w.branches))
	for name := range w.branches {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ref := plumbing.ReferenceName(backupRefPrefix + stamp + "-" + name)
		if err := keep("branch "+name, w.branches[name], ref); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(dst, "MANIFEST.txt"), []byte(m.String()), 0o644); err != nil {
		return nil, err
	}
	return saved, nil
}

// newBackupDir creates BackupDir/<stamp>, adding a counter when a backup of
// the same second exists.
func newBackupDir(root, stamp string) (string, string, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", "", err
	}
	for i := 0; i < 100; i++ {
		name := stamp
		if i > 0 {
			name = fmt.Sprintf("%s-%d", stamp, i)
		}
		dst := filepath.Join(root, name)
		err := os.Mkdir(dst, 0o755)
		if err == nil {
			return name, dst, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", "", err
		}
	}
	return "", "", fmt.Errorf("too many backups named %s in %s", stamp, root)
}

// copyFile copies a file or symlink, keeping its permissions.
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
		return os.Symlink(target, dst)
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
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
