package gitsync

import (
	"fmt"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/x-platform/x-platform/internal/shortsha"
)

// LocalWorkError is returned by Sync when moving the checkout would lose
// work that exists only in it.
type LocalWorkError struct {
	Dir       string
	Changed   []string // tracked files modified, deleted or staged
	Untracked []string // files that are neither tracked nor ignored
	Commits   []string // short SHA and subject of commits on no remote branch or tag
}

func (e *LocalWorkError) Error() string {
	var parts []string
	if len(e.Changed) > 0 {
		parts = append(parts, "changed files "+list(e.Changed, 5))
	}
	if len(e.Untracked) > 0 {
		parts = append(parts, "untracked files "+list(e.Untracked, 5))
	}
	if len(e.Commits) > 0 {
		parts = append(parts, "commits not on the remote "+list(e.Commits, 3))
	}
	return fmt.Sprintf("%s has local work: %s; commit and push it, or rerun with --force to save it in the backup folder and discard it",
		e.Dir, strings.Join(parts, "; "))
}

// list joins the first n items and counts the rest.
func list(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

// localWork is everything a checkout holds that the remote does not.
type localWork struct {
	status   *status
	commits  []*object.Commit         // unpushed, newest first
	headLost bool                     // HEAD itself is unpushed
	branches map[string]plumbing.Hash // local branches whose tip is unpushed
}

func (w *localWork) empty() bool { return w.status.clean() && len(w.commits) == 0 }

// findLocalWork looks for changed and untracked files and unpushed commits.
// trusted says the index is known to match HEAD's tree.
func findLocalWork(repo *git.Repository, dir string, head plumbing.Hash, r refs, trusted bool) (*localWork, error) {
	st, err := scan(repo, dir, head, trusted)
	if err != nil {
		return nil, err
	}
	w := &localWork{status: st, branches: map[string]plumbing.Hash{}}
	var tips []plumbing.Hash
	if !head.IsZero() {
		tips = append(tips, head)
	}
	heads := r.branches()
	for name := range checkedOut(dir) {
		delete(heads, name)
	}
	for _, h := range heads {
		tips = append(tips, h)
	}
	if w.commits, err = unpushed(repo.Storer, tips, r.known(true)); err != nil {
		return nil, fmt.Errorf("looking for unpushed commits: %w", err)
	}
	lost := map[plumbing.Hash]bool{}
	for _, c := range w.commits {
		lost[c.Hash] = true
	}
	w.headLost = lost[head]
	for name, h := range heads {
		if lost[h] {
			w.branches[name] = h
		}
	}
	return w, nil
}

func (w *localWork) err(dir string) *LocalWorkError {
	e := &LocalWorkError{Dir: dir, Changed: w.status.changed, Untracked: w.status.untracked}
	for _, c := range w.commits {
		e.Commits = append(e.Commits, describe(c))
	}
	return e
}

// describe gives a commit as "1a2b3c4 subject".
func describe(c *object.Commit) string {
	subject, _, _ := strings.Cut(strings.TrimSpace(c.Message), "\n")
	return shortsha.Git(c.Hash.String()) + " " + subject
}
