package gitsync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/x-platform/x-platform/internal/gitsync/gitauth"
)

// localPath returns the folder of a remote on this machine.
func localPath(remote string) (string, bool) {
	ep, err := transport.NewEndpoint(remote)
	if err != nil || ep.Protocol != "file" {
		return "", false
	}
	return ep.Path, true
}

// sameRefs reports whether the remote at path has exactly the branches and
// tags our remote-tracking refs record, so fetching would change nothing.
func sameRefs(local refs, path string) (bool, error) {
	theirs, err := remoteRefs(path)
	if err != nil {
		return false, err
	}
	count := 0
	for n, h := range theirs {
		switch {
		case n.IsBranch():
			n = plumbing.ReferenceName(remotePrefix + n.Short())
		case n.IsTag():
			n = remoteTag(n.Short())
		default:
			continue
		}
		count++
		if local[n] != h {
			return false, nil
		}
	}
	ours := 0
	for n := range local {
		if isRemoteBranch(n) || isRemoteTag(n) {
			ours++
		}
	}
	return ours == count, nil // no branch or tag was deleted there
}

// remoteRefs reads the refs of the repository at path, bare or not.
func remoteRefs(path string) (refs, error) {
	for _, dir := range []string{filepath.Join(path, ".git"), path} {
		if st, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil && st.Mode().IsRegular() {
			return readRefsDir(dir)
		}
	}
	remote, err := boundCache(git.PlainOpen(path))
	if err != nil {
		return nil, err
	}
	return readRefs(remote.Storer)
}

// sameRemote reports whether two spellings of a remote name one repository,
// so "/srv/x.git", "file:///srv/x.git" and "https://h/x" vs "https://h/x.git/"
// match while credentials in URLs are ignored.
func sameRemote(a, b string) bool {
	if a == b {
		return true
	}
	ea, errA := transport.NewEndpoint(a)
	eb, errB := transport.NewEndpoint(b)
	if errA != nil || errB != nil {
		return false
	}
	norm := func(e *transport.Endpoint) string {
		p := e.Path
		if e.Protocol == "file" {
			p = filepath.Clean(p)
		} else {
			p = "/" + strings.TrimPrefix(p, "/") // scp-like "host:path" has no leading slash
		}
		p = strings.TrimSuffix(strings.TrimSuffix(p, "/"), ".git")
		return strings.Join([]string{e.Protocol, strings.ToLower(e.Host), p}, "|")
	}
	return norm(ea) == norm(eb) && port(ea) == port(eb)
}

func port(e *transport.Endpoint) int {
	if e.Port != 0 {
		return e.Port
	}
	return map[string]int{"ssh": 22, "http": 80, "https": 443, "git": 9418}[e.Protocol]
}

// fetch updates the remote-tracking branches and tags and returns the refs
// after it. For a remote on this machine it first compares refs in process,
// which costs a tenth of starting git-upload-pack.
func fetch(ctx context.Context, repo *git.Repository, req Request, before refs) (refs, error) {
	if path, ok := localPath(req.Remote); ok && req.Depth == 0 && !isShallow(repo) {
		if same, err := sameRefs(before, path); err == nil && same {
			return before, nil
		}
	}
	if updated, err := fetchAll(ctx, repo, req); err != nil || !updated {
		return before, err
	}
	return followTags(repo, before, req.note)
}

// fetchRemote fetches every branch and tag into remote-tracking refs and
// reports whether one changed. It writes no local tag: see followTags.
// With req.Depth it fetches only what req.Reference names, that deep,
// unless the remote refuses; without it, a shallow checkout is made whole.
func fetchRemote(ctx context.Context, repo *git.Repository, req Request) (bool, error) {
	opts, err := fetchOptions(ctx, req)
	if err != nil {
		return false, err
	}
	if req.Depth > 0 {
		updated, handled, err := fetchNarrow(ctx, repo, req, opts)
		if handled {
			return updated, err
		}
	}
	return fetchEvery(ctx, repo, opts, 0)
}

// fetchOptions fetches every branch and tag of req.Remote, pruning what
// the remote no longer has.
func fetchOptions(ctx context.Context, req Request) (git.FetchOptions, error) {
	am, err := gitauth.For(ctx, req.Remote)
	if err != nil {
		return git.FetchOptions{}, err
	}
	return git.FetchOptions{
		RemoteName: git.DefaultRemoteName,
		RefSpecs:   []config.RefSpec{branchSpec, tagSpec},
		Tags:       git.NoTags, // go-git would overwrite local tags; followTags does not
		Prune:      true,
		Force:      true,
		Auth:       am,
		Progress:   req.Progress,
	}, nil
}

// fetchEvery runs opts depth deep; 0 fetches the whole history, which
// for a shallow checkout means deepening it.
func fetchEvery(ctx context.Context, repo *git.Repository, opts git.FetchOptions, depth int) (bool, error) {
	opts.Depth = depth
	if depth == 0 && isShallow(repo) {
		opts.Depth = fullDepth
	}
	err := repo.FetchContext(ctx, &opts)
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return false, nil
	}
	if err == nil && opts.Depth != 0 {
		err = tidyShallow(repo)
	}
	return err == nil, err
}
