package gitsync

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/format/config"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// openRepo opens the checkout at dir. A linked worktree (`git worktree
// add`) keeps its HEAD and index in its own folder and everything else —
// config, remotes, objects — in the main repository's: without the common
// folder it looks like a repository with no origin and no history.
// A main checkout is opened plainly: its refs are then read from disk
// directly (see osGitDir), which go-git's common-folder wrapper rules out.
func openRepo(dir string) (*git.Repository, error) {
	if dotGit, common := gitDirs(dir); dotGit != "" && dotGit != common {
		return boundCache(git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{EnableDotGitCommonDir: true}))
	}
	return boundCache(git.PlainOpen(dir))
}

// objectCacheSize bounds the decoded objects kept per opened repository.
// go-git's default keeps up to 96 MiB per repository, and a run opens up to
// --network-jobs repositories at once: on a fresh machine cloning large
// files that alone made the process several hundred MB. Objects are read
// once per run (to check out and hash a tree), so a cache buys little.
const objectCacheSize = 4 * cache.MiByte

// boundCache reopens a repository just opened or created on disk over the
// same folders with an object cache of objectCacheSize: go-git's Plain
// functions take no cache. Nothing has been read through the first storage.
func boundCache(repo *git.Repository, err error) (*git.Repository, error) {
	if err != nil {
		return nil, err
	}
	disk, ok := repo.Storer.(*filesystem.Storage)
	if !ok {
		return repo, nil
	}
	var worktree billy.Filesystem
	if wt, err := repo.Worktree(); err == nil {
		worktree = wt.Filesystem
	}
	return git.Open(filesystem.NewStorage(disk.Filesystem(), cache.NewObjectLRU(objectCacheSize)), worktree)
}

// ErrSparse is wrapped by the error for a sparse checkout, which Sync
// would make whole.
var ErrSparse = errors.New("sparse checkout")

// checkSparse refuses a checkout made sparse with `git sparse-checkout` or
// core.sparseCheckout: Sync writes every file of the commit and an index
// without the skip-worktree bits, which would silently undo it, and go-git
// cannot read the per-worktree config (extensions.worktreeConfig) that
// `git sparse-checkout` turns on. Refusing says what to do instead.
func checkSparse(dir string) error {
	dotGit, common := gitDirs(dir)
	if dotGit == "" {
		return nil
	}
	var sparse, worktreeConfig bool
	if cfg := readConfig(filepath.Join(common, "config")); cfg != nil {
		sparse = isTrue(cfg.Section("core").Option("sparseCheckout"))
		worktreeConfig = isTrue(cfg.Section("extensions").Option("worktreeConfig"))
	}
	// The worktree's own config, when git reads it, overrides the shared one.
	if cfg := readConfig(filepath.Join(dotGit, "config.worktree")); worktreeConfig && cfg != nil && cfg.Section("core").HasOption("sparseCheckout") {
		sparse = isTrue(cfg.Section("core").Option("sparseCheckout"))
	}
	switch {
	case sparse:
		// disable records that the checkout is whole in the per-worktree
		// configuration, turning it on, which go-git cannot read; without
		// it the shared setting counts again.
		fix := fmt.Sprintf("git -C %s sparse-checkout disable && git -C %s config --unset extensions.worktreeConfig && git -C %s config core.sparseCheckout false", dir, dir, dir)
		return fmt.Errorf("%s is a sparse checkout (git sparse-checkout), which sync would make whole: %w; "+
			"run `%s`, or move the folder away so that sync clones it, and keep sparse copies elsewhere", dir, ErrSparse, fix)
	case worktreeConfig:
		return fmt.Errorf("%s uses per-worktree configuration (extensions.worktreeConfig), which sync cannot read; "+
			"run `git -C %s config --unset extensions.worktreeConfig` if nothing needs it, or move the folder away so that sync clones it", dir, dir)
	}
	return nil
}

// checkedOut lists the branches that other worktrees of the repository of
// the checkout at dir have checked out: they hold those worktrees' work,
// not this checkout's, and deleting one would leave a worktree on a
// branch that does not exist.
func checkedOut(dir string) map[string]bool {
	dotGit, common := gitDirs(dir)
	if dotGit == "" {
		return nil
	}
	heads := []string{filepath.Join(common, "HEAD")}
	entries, _ := os.ReadDir(filepath.Join(common, "worktrees"))
	for _, e := range entries {
		heads = append(heads, filepath.Join(common, "worktrees", e.Name(), "HEAD"))
	}
	out := map[string]bool{}
	for _, h := range heads {
		if filepath.Dir(h) == dotGit {
			continue
		}
		b, err := os.ReadFile(h)
		if name, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "ref: refs/heads/"); err == nil && ok {
			out[name] = true
		}
	}
	return out
}

// gitDirs returns the git folder of the checkout at dir and the common
// folder it shares with other worktrees (the same for a main checkout),
// or "" when dir holds no .git.
func gitDirs(dir string) (dotGit, common string) {
	p := filepath.Join(dir, git.GitDirName)
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return "", ""
	case fi.IsDir():
		dotGit = p
	default:
		b, err := os.ReadFile(p)
		line, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir:")
		if err != nil || !ok {
			return "", ""
		}
		dotGit = strings.TrimSpace(line)
		if !filepath.IsAbs(dotGit) {
			dotGit = filepath.Join(dir, dotGit)
		}
	}
	common = dotGit
	if b, err := os.ReadFile(filepath.Join(dotGit, "commondir")); err == nil {
		common = strings.TrimSpace(string(b))
		if !filepath.IsAbs(common) {
			common = filepath.Join(dotGit, common)
		}
	}
	return filepath.Clean(dotGit), filepath.Clean(common)
}

func readConfig(p string) *config.Config {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	cfg := config.New()
	if err := config.NewDecoder(f).Decode(cfg); err != nil {
		return nil
	}
	return cfg
}

func isTrue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "on", "1":
		return true
	}
	return false
}
