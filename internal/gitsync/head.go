package gitsync

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"

	"github.com/x-platform/x-platform/internal/redact"
)

// maxReadSize bounds a file Tip reads: a starting point needs small text.
const maxReadSize = 1 << 20

// Tip is the tip of a remote's default branch: the branch its HEAD names
// and the files asked for.
type Tip struct {
	// Branch is the short name, such as main.
	Branch string
	Commit string
	// Files holds each file of the tip's tree that read wanted, by
	// slash-separated path; files over 1 MiB are left out.
	Files map[string][]byte
}

// ReadTip reads the tip of remote's default branch in one session, one
// commit deep into memory; read says which files, by path, to return. An
// empty repository, or one whose HEAD names no branch, is an error.
func ReadTip(ctx context.Context, remote string, read func(path string) bool) (Tip, error) {
	return ReadRef(ctx, remote, "", read)
}

// ReadRef is ReadTip at ref, a branch or tag name; "" is the default
// branch. Tip.Branch is "" for a tag.
func ReadRef(ctx context.Context, remote, ref string, read func(path string) bool) (Tip, error) {
	ensureTransports()
	l := &Looked{remote: redact.URL(remote)}
	if Offline(ctx) {
		return Tip{}, fmt.Errorf("reading %s: %w", l.remote, ErrOffline)
	}
	name := ""
	err := l.ask(ctx, remote, func(refs map[string]string) []string {
		name = refNamed(refs, ref, l.Head)
		if c := refs[name]; c != "" {
			return []string{c}
		}
		return nil
	})
	if err != nil {
		return Tip{}, err
	}
	commit := l.Refs[name]
	switch {
	case ref == "" && (l.Head == "" || commit == ""):
		return Tip{}, fmt.Errorf("reading the default branch of %s: its HEAD names no branch (an empty repository?); push a branch to it first", l.remote)
	case commit == "":
		return Tip{}, fmt.Errorf("reading %s of %s: no branch or tag of that name", ref, l.remote)
	}
	tip := Tip{Commit: commit, Files: map[string][]byte{}}
	if b, ok := strings.CutPrefix(name, "refs/heads/"); ok {
		tip.Branch = b
	}
	c, err := object.GetCommit(l.objects, plumbing.NewHash(commit))
	if err != nil {
		return Tip{}, fmt.Errorf("reading commit %s of %s: %w", commit, l.remote, err)
	}
	files, err := c.Files()
	if err != nil {
		return Tip{}, fmt.Errorf("reading the tree of %s: %w", l.remote, err)
	}
	err = files.ForEach(func(f *object.File) error {
		if !f.Mode.IsFile() || f.Size > maxReadSize || !read(f.Name) {
			return nil
		}
		s, err := f.Contents()
		tip.Files[f.Name] = []byte(s)
		return err
	})
	if err != nil {
		return Tip{}, fmt.Errorf("reading files of %s: %w", l.remote, err)
	}
	return tip, nil
}

// refNamed is the advertised name whose commit ref means: head for "",
// else the branch, else the tag's commit (peeled when annotated).
func refNamed(refs map[string]string, ref, head string) string {
	if ref == "" {
		return head
	}
	for _, n := range []string{"refs/heads/" + ref, "refs/tags/" + ref + peeledSuffix, "refs/tags/" + ref} {
		if refs[n] != "" {
			return n
		}
	}
	return ""
}

// ReadRef is ReadRef under the client's policy.
func (c Client) ReadRef(ctx context.Context, remote, ref string, read func(path string) bool) (Tip, error) {
	var tip Tip
	err := c.do(ctx, remote, func(ctx context.Context) error {
		var err error
		tip, err = ReadRef(ctx, remote, ref, read)
		return err
	})
	return tip, err
}

// ReadTip is ReadTip under the client's policy.
func (c Client) ReadTip(ctx context.Context, remote string, read func(path string) bool) (Tip, error) {
	var tip Tip
	err := c.do(ctx, remote, func(ctx context.Context) error {
		var err error
		tip, err = ReadTip(ctx, remote, read)
		return err
	})
	return tip, err
}

// headOf is the branch ar's HEAD names: its symref, or the branch git
// guesses for a server that sends none.
func headOf(ar *packp.AdvRefs) string {
	refs, err := ar.AllReferences()
	if err != nil {
		return ""
	}
	head, err := refs.Reference(plumbing.HEAD)
	if err != nil || head.Type() != plumbing.SymbolicReference || !head.Target().IsBranch() {
		return ""
	}
	return head.Target().String()
}

// CurrentBranch is the short name of the branch checked out at dir.
func CurrentBranch(dir string) (string, error) {
	repo, err := openRepo(dir)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", dir, err)
	}
	head, err := repo.Storer.Reference(plumbing.HEAD)
	if err != nil {
		return "", fmt.Errorf("reading HEAD of %s: %w", dir, err)
	}
	if head.Type() != plumbing.SymbolicReference || !head.Target().IsBranch() {
		return "", fmt.Errorf("%s has no branch checked out (a detached HEAD); check one out first", dir)
	}
	return head.Target().Short(), nil
}

// OriginURL is the URL of the remote origin of the checkout at dir.
func OriginURL(dir string) (string, error) {
	repo, err := openRepo(dir)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", dir, err)
	}
	r, err := repo.Remote("origin")
	if err != nil || len(r.Config().URLs) == 0 {
		return "", fmt.Errorf("the checkout has no remote origin")
	}
	return r.Config().URLs[0], nil
}
