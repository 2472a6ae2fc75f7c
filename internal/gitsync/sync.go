package gitsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
)

// Request says which reference of which remote to check out where.
type Request struct {
	Remote    string    // URL or local path of the service's repository
	Dir       string    // absolute path of the checkout
	Reference string    // branch, origin/<branch>, tag or full commit SHA
	Force     bool      // save local work under BackupDir and discard it instead of refusing
	BackupDir string    // where Force saves local work, e.g. <root>/.x-platform/backups/<service>
	Progress  io.Writer // receives the remote's progress messages; may be nil
	// Notes receives what the user should know that is no error, such as a
	// local tag kept where the user moved it; may be nil.
	Notes func(string)
	// Depth, when above 0, fetches only the commits req.Reference names,
	// this many deep, instead of every branch and tag with all history;
	// 0 fetches everything and makes a shallow checkout whole.
	Depth int
	// Fetched says Fetch brought Dir up to date with Remote in this run, so
	// Sync need not ask the remote again.
	Fetched bool
	// NoCheckout leaves the files of the tree out of a fresh clone, and
	// of a checkout an earlier Sync made without them: only .git is at
	// the commit (see nocheckout.go). A checkout with files keeps them.
	NoCheckout bool
}

// note passes msg to Notes, else to Progress.
func (r Request) note(msg string) {
	switch {
	case r.Notes != nil:
		r.Notes(msg)
	case r.Progress != nil:
		fmt.Fprintln(r.Progress, msg)
	}
}

// RefKind tells what a reference named.
type RefKind int

// The kinds of reference Sync and Resolve accept.
const (
	Branch RefKind = iota + 1
	Tag
	Commit
)

func (k RefKind) String() string {
	switch k {
	case Branch:
		return "branch"
	case Tag:
		return "tag"
	case Commit:
		return "commit"
	}
	return fmt.Sprintf("RefKind(%d)", int(k))
}

// Result describes the checkout after a successful Sync.
type Result struct {
	Commit string   // full 40-hex SHA now checked out
	Kind   RefKind  // what Reference named
	Name   string   // branch name without "origin/", or tag name; "" for a SHA
	Cloned bool     // Dir was created by this Sync
	Moved  bool     // HEAD changed
	Saved  []string // where Force put local work, one line each; empty when there was none
}

const (
	// syncedRef remembers the last commit taken from the remote, so a commit
	// that left the remote (a deleted branch) is not mistaken for local work.
	syncedRef = plumbing.ReferenceName("refs/x-platform/synced")

	// branchSpec has no leading "+": go-git's prune reverses a forced refspec
	// wrongly and would delete and recreate every branch on each fetch; the
	// fetch is forced through FetchOptions.Force instead.
	branchSpec = config.RefSpec("refs/heads/*:refs/remotes/origin/*")
)

// Sync clones or fetches req.Remote into req.Dir and checks out req.Reference
// detached. It returns a *LocalWorkError, and changes nothing in the
// worktree, when the checkout holds changed or untracked files or commits
// that are on no remote branch or tag, unless req.Force is set. No secret
// of the remote's URL or credentials appears in the error.
func Sync(ctx context.Context, req Request) (Result, error) {
	res, err := syncCheckout(ctx, req)
	return res, shown(err)
}

func syncCheckout(ctx context.Context, req Request) (Result, error) {
	ensureTransports()
	if err := req.validate(); err != nil {
		return Result{}, err
	}
	repo, cloned, err := openOrClone(ctx, req)
	if err != nil {
		return Result{}, err
	}
	// A checkout a killed run left half done is finished first, so that its
	// writes are not taken for local work below.
	if err := finishCheckout(repo, req.Dir); err != nil {
		return Result{}, fmt.Errorf("finishing the checkout an earlier run left unfinished: %w", err)
	}
	refs, err := readRefs(repo.Storer)
	if err != nil {
		return Result{}, fmt.Errorf("reading refs: %w", err)
	}
	if !cloned && !req.Fetched {
		if refs, err = fetch(ctx, repo, req, refs); err != nil {
			return Result{}, fmt.Errorf("fetching origin: %w", err)
		}
	}
	dotGit := gitDir(repo)
	last := readState(dotGit)
	noFiles := hasNoFiles(dotGit)
	t, err := resolveFast(repo, refs, req, last)
	if errors.Is(err, ErrUnknownReference) && isFullSHA(req.Reference) && isShallow(repo) {
		// The commit may be below the shallow boundary, or its branch
		// not fetched: only the whole history can tell.
		if refs, err = deepenRefs(ctx, repo, req); err == nil {
			t, err = resolveFast(repo, refs, req, last)
		}
	}
	if err != nil {
		return Result{}, fmt.Errorf("resolving %q: %w", req.Reference, offlineHint(ctx, err))
	}
	res := Result{Commit: t.hash.String(), Kind: t.kind, Name: t.name, Cloned: cloned}

	head := plumbing.ZeroHash
	if ref, err := repo.Head(); err == nil {
		head = ref.Hash()
	}
	if _, err := repairIndex(repo, head, noFiles); err != nil {
		return Result{}, fmt.Errorf("rebuilding the unreadable index of %s: %w", req.Dir, err)
	}
	// The index still holds what the last Sync wrote for HEAD: no need to
	// read HEAD's tree to find staged changes.
	indexSum := indexChecksum(dotGit)
	trusted := !head.IsZero() && head == last.Commit && !indexSum.IsZero() && indexSum == last.Index
	work, err := findLocalWork(repo, req.Dir, head, refs, trusted)
	if err == nil && len(work.commits) > 0 && (req.Depth > 0 || isShallow(repo)) {
		// Commits that look unpushed in a shallow checkout, or one that
		// fetched a single branch, may be on a branch not fetched or below
		// the boundary: decide on the whole history, or not at all.
		if refs, err = deepenRefs(ctx, repo, req); err != nil {
			return Result{}, fmt.Errorf("%s has commits not on the fetched branches, and telling whether they are on the remote needs its whole history: %w", req.Dir, err)
		}
		work, err = findLocalWork(repo, req.Dir, head, refs, trusted)
	}
	if err != nil {
		return Result{}, fmt.Errorf("looking for local work in %s: %w", req.Dir, err)
	}
	if !work.empty() {
		if !req.Force {
			return Result{}, work.err(req.Dir)
		}
		if res.Saved, err = save(repo, req, head, work, time.Now()); err != nil {
			return Result{}, fmt.Errorf("saving local work: %w", err)
		}
		if err := removeFiles(req.Dir, work.status.untracked); err != nil {
			return Result{}, fmt.Errorf("removing saved untracked files: %w", err)
		}
	}

	switch {
	case head != t.hash || !work.empty() || noFiles && !req.NoCheckout:
		if err := place(ctx, repo, req.Dir, t.hash, work.status, head.IsZero(), noFiles, req.NoCheckout); err != nil {
			return Result{}, fmt.Errorf("checking out %s: %w", t.hash, err)
		}
		if err := dropBranches(repo, work.branches); err != nil {
			return Result{}, err
		}
		for name := range work.branches {
			delete(refs, plumbing.NewBranchReferenceName(name))
		}
	case work.status.stale:
		// Clean files whose timestamps changed get hashed on every sync until
		// the index records their new timestamps. A git command holding
		// the index only postpones that.
		if err := refreshIndex(repo, req.Dir, work.status.idx); err != nil && !errors.Is(err, ErrIndexLocked) {
			return Result{}, fmt.Errorf("refreshing index: %w", err)
		}
	}
	if err := record(repo, refs, req.Reference, t.hash, last); err != nil {
		return Result{}, err
	}
	res.Moved = head != t.hash
	return res, nil
}

func (r Request) validate() error {
	switch {
	case r.Remote == "":
		return errors.New("no remote to sync from")
	case !filepath.IsAbs(r.Dir):
		return fmt.Errorf("checkout folder %q is not an absolute path", r.Dir)
	case r.Reference == "":
		return errors.New("no reference to check out")
	}
	return nil
}

func setRef(repo *git.Repository, name plumbing.ReferenceName, h plumbing.Hash) error {
	if old, err := repo.Storer.Reference(name); err == nil && old.Hash() == h {
		return nil
	}
	if err := repo.Storer.SetReference(plumbing.NewHashReference(name, h)); err != nil {
		return fmt.Errorf("setting %s: %w", name, err)
	}
	return nil
}
