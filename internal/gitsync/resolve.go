package gitsync

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"github.com/x-platform/x-platform/internal/redact"
	"github.com/x-platform/x-platform/internal/similar"
)

// ErrUnknownReference is wrapped by errors for a reference that names no
// branch, tag or commit of the remote.
var ErrUnknownReference = errors.New("unknown reference")

// Resolve returns the commit SHA that reference names in the checkout at
// dir, using the refs of its last fetch. "HEAD" names the commit checked out.
func Resolve(dir, reference string) (string, error) {
	repo, err := openRepo(dir)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", dir, err)
	}
	if reference == "HEAD" {
		head, err := repo.Head()
		if err != nil {
			return "", fmt.Errorf("resolving HEAD of %s: %w", dir, err)
		}
		return head.Hash().String(), nil
	}
	remote := git.DefaultRemoteName
	if cfg, err := repo.Config(); err == nil {
		if r, ok := cfg.Remotes[git.DefaultRemoteName]; ok && len(r.URLs) > 0 {
			remote = redact.URL(r.URLs[0])
		}
	}
	r, err := readRefs(repo.Storer)
	if err != nil {
		return "", fmt.Errorf("reading refs of %s: %w", dir, err)
	}
	r.assumeRemoteTags()
	t, err := resolve(repo, r, reference, remote)
	if errors.Is(err, ErrUnknownReference) && isFullSHA(reference) && isShallow(repo) {
		// Whether the commit is on a branch or tag of the remote takes
		// the history a shallow checkout lacks.
		if derr := deepenOrigin(repo, dir); derr != nil {
			return "", fmt.Errorf("resolving %q: %w; %s is shallow (%s) and fetching its history failed: %v", reference, err, dir, depthSetting, derr)
		}
		if r, err = readRefs(repo.Storer); err == nil {
			r.assumeRemoteTags()
			t, err = resolve(repo, r, reference, remote)
		}
	}
	if err != nil {
		return "", fmt.Errorf("resolving %q: %w", reference, err)
	}
	return t.hash.String(), nil
}

type target struct {
	hash plumbing.Hash
	kind RefKind
	name string
}

// resolve looks reference up and returns the commit it names.
func resolve(repo *git.Repository, r refs, reference, remote string) (target, error) {
	t, ok := lookup(r, reference)
	if !ok {
		return target{}, unknown(r, reference, remote)
	}
	switch t.kind {
	case Tag:
		h, err := peel(repo.Storer, t.hash)
		if err != nil {
			return target{}, fmt.Errorf("peeling tag %s: %w", t.name, err)
		}
		t.hash = h
	case Commit:
		if err := checkPushed(repo, r, t.hash, remote); err != nil {
			return target{}, err
		}
	}
	return t, nil
}

// lookup finds what reference names without reading objects: a full SHA, a
// branch ("b", "origin/b", "refs/heads/b") or a tag ("t", "refs/tags/t") of
// the remote, branches first. A tag's hash is left unpeeled.
func lookup(r refs, reference string) (target, bool) {
	if isFullSHA(reference) {
		return target{hash: plumbing.NewHash(strings.ToLower(reference)), kind: Commit}, true
	}
	branch, tag := reference, reference
	switch {
	case strings.HasPrefix(reference, "refs/tags/"):
		branch, tag = "", strings.TrimPrefix(reference, "refs/tags/")
	case strings.HasPrefix(reference, "refs/heads/"):
		branch, tag = strings.TrimPrefix(reference, "refs/heads/"), ""
	case strings.HasPrefix(reference, remotePrefix):
		branch, tag = strings.TrimPrefix(reference, remotePrefix), ""
	case strings.HasPrefix(reference, "origin/"):
		branch, tag = strings.TrimPrefix(reference, "origin/"), ""
	}
	if h, ok := r[plumbing.ReferenceName(remotePrefix+branch)]; ok && branch != "" {
		return target{hash: h, kind: Branch, name: branch}, true
	}
	if h, ok := r[remoteTag(tag)]; ok && tag != "" {
		return target{hash: h, kind: Tag, name: tag}, true
	}
	return target{}, false
}

// checkPushed verifies that commit h is on a remote branch or tag.
func checkPushed(repo *git.Repository, r refs, h plumbing.Hash, remote string) error {
	missing := fmt.Errorf("%w: commit %s is not in %s", ErrUnknownReference, h, remote)
	if _, err := object.GetCommit(repo.Storer, h); err != nil {
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return missing
		}
		return err
	}
	local, err := unpushed(repo.Storer, []plumbing.Hash{h}, r.known(false))
	if err != nil {
		return err
	}
	if len(local) > 0 {
		return fmt.Errorf("%w (it exists only in this checkout)", missing)
	}
	return nil
}

// peel follows annotated tags to the commit they name.
func peel(s storer.EncodedObjectStorer, h plumbing.Hash) (plumbing.Hash, error) {
	for range 10 {
		obj, err := s.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return h, err
		}
		switch obj.Type() {
		case plumbing.CommitObject:
			return h, nil
		case plumbing.TagObject:
			tag, err := object.DecodeTag(s, obj)
			if err != nil {
				return h, err
			}
			h = tag.Target
		default:
			return h, fmt.Errorf("%s is a %s, not a commit", h, obj.Type())
		}
	}
	return h, errors.New("too many nested tags")
}

func isFullSHA(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// unknown builds the error for a reference that matched nothing, naming the
// closest branches and tags so a typo is quick to fix.
func unknown(r refs, reference, remote string) error {
	msg := fmt.Sprintf("%v: no branch or tag of %s has that name", ErrUnknownReference, remote)
	if len(reference) >= 4 && len(reference) < 40 && strings.Trim(reference, "0123456789abcdefABCDEF") == "" {
		msg += "; give commits as full 40-hex SHAs"
	}
	if close := closest(reference, r.names(), 5); len(close) > 0 {
		msg += "; close names: " + strings.Join(close, ", ")
	}
	return &unknownError{msg: msg}
}

type unknownError struct{ msg string }

func (e *unknownError) Error() string { return e.msg }
func (e *unknownError) Unwrap() error { return ErrUnknownReference }

// closest returns up to n names nearest to s by edit distance, keeping only
// plausible typos and names that contain s or are contained in it.
func closest(s string, names []string, n int) []string {
	type scored struct {
		name string
		d    int
	}
	ls := strings.ToLower(s)
	var c []scored
	for _, name := range names {
		ln := strings.ToLower(name)
		d := similar.Distance(ls, ln)
		if d <= max(2, len(s)/3) || strings.Contains(ln, ls) || strings.Contains(ls, ln) {
			c = append(c, scored{name, d})
		}
	}
	sort.Slice(c, func(i, j int) bool {
		if c[i].d != c[j].d {
			return c[i].d < c[j].d
		}
		return c[i].name < c[j].name
	})
	out := make([]string, 0, n)
	for i := 0; i < len(c) && i < n; i++ {
		out = append(out, c[i].name)
	}
	return out
}
