package gitsync

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// rootFS lets go-git read the user's excludes file by its absolute path.
var rootFS = osfs.New("/")

// stageMerged is the stage of an entry outside a merge conflict; go-git's
// index.Merged is 1, the stage of a conflict's common ancestor.
const stageMerged index.Stage = 0

// status is how a checkout's index and files differ from its HEAD commit.
// Unlike go-git's Worktree.Status it trusts unchanged file timestamps, as git
// does, and never descends into ignored folders, so a clean checkout costs
// one lstat per tracked file and one readdir per folder that is not ignored.
type status struct {
	idx       *index.Index
	changed   []string        // tracked paths changed in the index or the worktree
	deleted   map[string]bool // changed paths missing from the worktree
	staged    map[string]bool // paths whose index entry differs from HEAD's
	unstaged  map[string]bool // paths whose file differs from the index entry
	untracked []string        // files neither tracked nor ignored
	stale     bool            // clean files whose recorded timestamps are out of date
}

func (s *status) clean() bool { return len(s.changed) == 0 && len(s.untracked) == 0 }

type trackedFile struct {
	e      *index.Entry
	inHead bool
}

func scan(repo *git.Repository, dir string, head plumbing.Hash, trusted bool) (*status, error) {
	idx, err := repo.Storer.Index()
	if err != nil {
		return nil, err
	}
	st := &status{idx: idx, deleted: map[string]bool{}, staged: map[string]bool{}, unstaged: map[string]bool{}}
	changed := map[string]bool{}
	tracked := make(map[string]*trackedFile, len(idx.Entries))
	for _, e := range idx.Entries {
		tracked[e.Name] = &trackedFile{e: e}
		if e.Stage != stageMerged {
			changed[e.Name] = true
		}
	}
	if !trusted {
		if err := diffHead(repo.Storer, head, tracked, st.staged); err != nil {
			return nil, err
		}
		for name := range st.staged {
			changed[name] = true
		}
	}
	for _, e := range idx.Entries {
		if e.Stage != stageMerged || e.Mode == filemode.Submodule {
			continue
		}
		modified, missing, stale, err := compareFile(dir, e, idx)
		if err != nil {
			return nil, err
		}
		if e.SkipWorktree {
			// git trusts such a file to match the index, yet refuses a
			// checkout that would overwrite its edit. A missing one is
			// a sparse checkout's, not a deletion; its timestamps are
			// never refreshed, so it is hashed on every Sync.
			if missing {
				continue
			}
			stale = false
		}
		if modified {
			changed[e.Name] = true
			st.unstaged[e.Name] = true
		}
		if missing {
			st.deleted[e.Name] = true
		}
		st.stale = st.stale || stale
	}
	for name := range changed {
		st.changed = append(st.changed, name)
		if _, inIndex := tracked[name]; !inIndex && absent(dir, name) {
			st.deleted[name] = true // git rm: gone from the index and the worktree
		}
	}
	sort.Strings(st.changed)

	patterns := append(globalPatterns(), readIgnoreFile(filepath.Join(dir, ".git", "info", "exclude"), nil)...)
	if err := st.findUntracked(dir, nil, patterns, tracked); err != nil {
		return nil, err
	}
	return st, nil
}

// diffHead marks paths whose index entry differs from the HEAD commit.
func diffHead(s storer.EncodedObjectStorer, head plumbing.Hash, tracked map[string]*trackedFile, staged map[string]bool) error {
	if !head.IsZero() {
		err := commitFiles(s, head, func(name string, e object.TreeEntry) {
			t, ok := tracked[name]
			if !ok || t.e.Hash != e.Hash || t.e.Mode != normalMode(e.Mode) {
				staged[name] = true
			}
			if ok {
				t.inHead = true
			}
		})
		if err != nil {
			return err
		}
	}
	for name, t := range tracked {
		if !t.inHead {
			staged[name] = true
		}
	}
	return nil
}

// compareFile checks one tracked file against its index entry, as git
// does: it is hashed unless its size, mtime, change time, inode and device
// all match the entry and it was written before the index, since a file
// modified in the index's own timestamp tick could have changed unseen
// ("racily clean" in git's terms).
func compareFile(dir string, e *index.Entry, idx *index.Index) (modified, missing, stale bool, err error) {
	p := filepath.Join(dir, filepath.FromSlash(e.Name))
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || (err == nil && fi.IsDir()) {
		return true, true, false, nil
	}
	if err != nil {
		return false, false, false, err
	}
	if fileMode(fi) != e.Mode {
		return true, false, false, nil
	}
	if uint32(fi.Size()) == e.Size && fi.ModTime().Equal(e.ModifiedAt) && sameStat(e, fi) && fi.ModTime().Before(idx.ModTime) {
		return false, false, false, nil
	}
	h, err := hashFile(p, fi)
	if err != nil {
		return false, false, false, err
	}
	return h != e.Hash, false, h == e.Hash, nil
}

func absent(dir, name string) bool {
	_, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name)))
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

func fileMode(fi fs.FileInfo) filemode.FileMode {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return filemode.Symlink
	case fi.IsDir():
		return filemode.Dir
	case fi.Mode()&0o111 != 0:
		return filemode.Executable
	}
	return filemode.Regular
}

// normalMode maps the old group-writable file mode to the one indexes use.
func normalMode(m filemode.FileMode) filemode.FileMode {
	if m == filemode.Deprecated {
		return filemode.Regular
	}
	return m
}

// hashFile returns the blob hash of a file or symlink as git computes it.
func hashFile(p string, fi fs.FileInfo) (plumbing.Hash, error) {
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(p)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		return plumbing.ComputeHash(plumbing.BlobObject, []byte(filepath.ToSlash(target))), nil
	}
	f, err := os.Open(p)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer f.Close()
	h := plumbing.NewHasher(plumbing.BlobObject, fi.Size())
	if _, err := io.Copy(h, f); err != nil {
		return plumbing.ZeroHash, err
	}
	return h.Sum(), nil
}

// findUntracked walks the folder rel below dir, skipping ignored folders and
// nested repositories, and records files that are neither tracked nor ignored.
func (s *status) findUntracked(dir string, rel []string, patterns []gitignore.Pattern, tracked map[string]*trackedFile) error {
	abs := filepath.Join(dir, filepath.Join(rel...))
	entries, err := os.ReadDir(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		switch {
		case e.Name() == ".git" && len(rel) > 0:
			return nil // another repository's files are not ours to judge
		case e.Name() == ".gitignore" && e.Type().IsRegular():
			patterns = append(patterns[:len(patterns):len(patterns)],
				readIgnoreFile(filepath.Join(abs, ".gitignore"), rel)...)
		}
	}
	m := gitignore.NewMatcher(patterns)
	for _, e := range entries {
		if len(rel) == 0 && e.Name() == ".git" {
			continue
		}
		p := append(rel[:len(rel):len(rel)], e.Name())
		name := strings.Join(p, "/")
		if t, ok := tracked[name]; ok {
			if e.IsDir() && t.e.Mode != filemode.Submodule {
				// A tracked file or link the user replaced with a folder:
				// the checkout must remove the folder to write the file,
				// so all of it is local work, ignored files too.
				if err := s.addAll(dir, name); err != nil {
					return err
				}
			}
			continue
		}
		if m.Match(p, e.IsDir()) {
			continue
		}
		if e.IsDir() {
			if err := s.findUntracked(dir, p, patterns, tracked); err != nil {
				return err
			}
			continue
		}
		s.untracked = append(s.untracked, name)
	}
	return nil
}

// addAll records every file below the folder name as untracked.
func (s *status) addAll(dir, name string) error {
	root := filepath.Join(dir, filepath.FromSlash(name))
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		s.untracked = append(s.untracked, filepath.ToSlash(rel))
		return nil
	})
}

func readIgnoreFile(p string, domain []string) []gitignore.Pattern {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	var ps []gitignore.Pattern
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "#") && strings.TrimSpace(line) != "" {
			ps = append(ps, gitignore.ParsePattern(line, domain))
		}
	}
	return ps
}

// globalPatterns reads the user's excludes file, from core.excludesFile or
// git's default location, so editor and OS litter is not mistaken for work.
func globalPatterns() []gitignore.Pattern {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil
	}
	if ps, err := gitignore.LoadGlobalPatterns(rootFS); err == nil && len(ps) > 0 {
		return ps
	}
	xdg := os.Getenv("XDG_CONFIG_HOME")
	if xdg == "" {
		xdg = filepath.Join(home, ".config")
	}
	return readIgnoreFile(filepath.Join(xdg, "git", "ignore"), nil)
}
