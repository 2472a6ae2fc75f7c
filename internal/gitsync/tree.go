package gitsync

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/x-platform/x-platform/internal/shortsha"
)

// treeCacheFile remembers computed tree hashes: a commit's subtree never
// changes, and reading it costs opening the repository's packs, which a
// no-op build otherwise never does.
const treeCacheFile = "x-platform-trees"

// TreeHash returns the git tree hash of folder sub ("" for the root) at
// commit in the checkout at dir. Two commits that changed nothing below sub
// have the same tree hash, which is what makes it a cache key input.
func TreeHash(dir, commit, sub string) (string, error) {
	sub = strings.Trim(path.Clean("/"+filepath.ToSlash(sub)), "/")
	cache := filepath.Join(dir, git.GitDirName, treeCacheFile)
	entry := commit + " " + sub + " "
	if h, ok := lookupTree(cache, entry); ok {
		return h, nil
	}
	repo, err := openRepo(dir)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", dir, err)
	}
	c, err := repo.CommitObject(plumbing.NewHash(commit))
	if err != nil {
		return "", fmt.Errorf("reading commit %s: %w", commit, err)
	}
	tree, err := c.Tree()
	if err != nil {
		return "", fmt.Errorf("reading tree of %s: %w", commit, err)
	}
	if sub != "" {
		if tree, err = tree.Tree(sub); errors.Is(err, object.ErrDirectoryNotFound) {
			return "", fmt.Errorf("commit %s has no folder %s", shortsha.Commit(commit), sub)
		} else if err != nil {
			return "", fmt.Errorf("reading %s at %s: %w", sub, shortsha.Commit(commit), err)
		}
	}
	h := tree.Hash.String()
	appendTree(cache, entry+h)
	return h, nil
}

func lookupTree(cache, entry string) (string, bool) {
	f, err := os.Open(cache)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), entry); ok && len(rest) == 40 {
			return rest, true
		}
	}
	return "", false
}

// appendTree adds a line to the cache; a failure only costs a recomputation.
// One short O_APPEND write per line keeps concurrent writers from mixing.
func appendTree(cache, line string) {
	f, err := os.OpenFile(cache, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	_, _ = f.WriteString(line + "\n")
	_ = f.Close()
}
