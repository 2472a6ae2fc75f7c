package gitsync

import (
	"bufio"
	"crypto/sha1"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/x-platform/x-platform/internal/redact"
)

// syncState remembers what the last successful Sync verified, so that a Sync
// with nothing to do reads no git objects: go-git decodes every pack index
// on the first object it reads, a cost that grows with the history and with
// each fetch's new pack.
type syncState struct {
	Reference string        // the reference that was resolved
	Commit    plumbing.Hash // what it resolved to and was checked out
	Refs      plumbing.Hash // digest of the branch and tag refs it was resolved against
	Index     plumbing.Hash // checksum of the index written for Commit
}

const stateFileName = "x-platform-sync"

// gitDir returns the repository's .git folder, or "" if it is not on disk.
func gitDir(repo *git.Repository) string {
	if s, ok := repo.Storer.(*filesystem.Storage); ok {
		return s.Filesystem().Root()
	}
	return ""
}

// readState returns the saved state, or the zero state, which matches
// nothing, if there is none.
func readState(dir string) syncState {
	var s syncState
	f, err := os.Open(filepath.Join(dir, stateFileName))
	if err != nil {
		return s
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, _ := strings.Cut(sc.Text(), " ")
		switch key {
		case "reference":
			s.Reference = value
		case "commit":
			s.Commit = plumbing.NewHash(value)
		case "refs":
			s.Refs = plumbing.NewHash(value)
		case "index":
			s.Index = plumbing.NewHash(value)
		}
	}
	return s
}

func (s syncState) write(dir string) error {
	body := fmt.Sprintf("reference %s\ncommit %s\nrefs %s\nindex %s\n", s.Reference, s.Commit, s.Refs, s.Index)
	// A temporary name of its own: two runs once raced on a fixed one.
	return writeDurably(dir, stateFileName, []byte(body))
}

// digest sums the local and remote-tracking branches and tags.
func (r refs) digest() plumbing.Hash {
	lines := make([]string, 0, len(r))
	for n, h := range r {
		if n.IsBranch() || n.IsTag() || isRemoteBranch(n) || isRemoteTag(n) {
			lines = append(lines, n.String()+" "+h.String()+"\n")
		}
	}
	sort.Strings(lines)
	sum := sha1.New()
	for _, l := range lines {
		io.WriteString(sum, l)
	}
	var h plumbing.Hash
	copy(h[:], sum.Sum(nil))
	return h
}

// indexChecksum returns the checksum git stores at the end of the index.
func indexChecksum(dir string) plumbing.Hash {
	var h plumbing.Hash
	f, err := os.Open(filepath.Join(dir, "index"))
	if err != nil {
		return h
	}
	defer f.Close()
	if _, err := f.Seek(-int64(len(h)), io.SeekEnd); err != nil {
		return plumbing.ZeroHash
	}
	if _, err := io.ReadFull(f, h[:]); err != nil {
		return plumbing.ZeroHash
	}
	return h
}

// resolveFast reuses the last Sync's answer when neither the reference nor
// any branch or tag changed since, sparing the object reads of peeling a tag
// or checking that a pinned commit is on the remote.
func resolveFast(repo *git.Repository, refs refs, req Request, last syncState) (target, error) {
	if t, ok := lookup(refs, req.Reference); ok && !last.Commit.IsZero() &&
		last.Reference == req.Reference && last.Refs == refs.digest() {
		t.hash = last.Commit
		return t, nil
	}
	return resolve(repo, refs, req.Reference, redact.URL(req.Remote))
}

// record detaches HEAD at h (it may still name a branch, as after `git
// clone`), marks h as taken from the remote and saves the state for the next
// Sync.
func record(repo *git.Repository, refs refs, reference string, h plumbing.Hash, last syncState) error {
	if err := setRef(repo, plumbing.HEAD, h); err != nil {
		return err
	}
	if refs[syncedRef] != h {
		if err := setRef(repo, syncedRef, h); err != nil {
			return err
		}
	}
	dotGit := gitDir(repo)
	next := syncState{Reference: reference, Commit: h, Refs: refs.digest(), Index: indexChecksum(dotGit)}
	if next == last || dotGit == "" {
		return nil
	}
	if err := next.write(dotGit); err != nil {
		return fmt.Errorf("saving sync state: %w", err)
	}
	return nil
}
