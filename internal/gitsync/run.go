package gitsync

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// ErrOffline is wrapped by errors for what would need a remote while the
// run is offline.
var ErrOffline = errors.New("offline: no remote is asked (--offline, XP_OFFLINE)")

type runKey struct{}

// runMemo is what one command learns of remotes: each remote's answer is
// asked for once and reused by every service of that remote, so a run
// opens at most one session per repository.
type runMemo struct {
	offline bool
	mu      sync.Mutex
	remotes map[string]*answer
}

// answer is what a remote advertised in this run.
type answer struct {
	// mu is held while the remote is asked, so that callers of one remote
	// wait for that answer instead of each opening a session.
	mu   sync.Mutex
	refs map[string]string // as LsRemote lists them; nil until asked
	// dir is a checkout whose remote-tracking refs and objects hold the
	// answer, once a fetch into it completed; other checkouts of the
	// remote fetch from it.
	dir string
	// narrow maps a reference fetched at a depth in this run ("depth
	// reference") to the checkout that holds it, for twins to fetch from.
	narrow map[string]string
}

// WithRun returns a context in which every remote is asked at most once:
// LsRemote, Look, Fetch and Sync reuse what an earlier call learnt. A
// command's run is one such context; offline makes the run ask no remote
// at all and trust the refs each checkout last fetched.
func WithRun(ctx context.Context, offline bool) context.Context {
	return context.WithValue(ctx, runKey{}, &runMemo{offline: offline, remotes: map[string]*answer{}})
}

// Offline reports whether the run in ctx asks no remote.
func Offline(ctx context.Context) bool {
	r, _ := ctx.Value(runKey{}).(*runMemo)
	return r != nil && r.offline
}

// answerFor returns the run's answer of remote, locked; nil outside a run.
// The caller unlocks it once it recorded what it learnt.
func answerFor(ctx context.Context, remote string) *answer {
	r, _ := ctx.Value(runKey{}).(*runMemo)
	if r == nil {
		return nil
	}
	key := remoteKey(remote)
	r.mu.Lock()
	a, ok := r.remotes[key]
	if !ok {
		a = &answer{}
		r.remotes[key] = a
	}
	r.mu.Unlock()
	a.mu.Lock()
	return a
}

func (a *answer) unlock() {
	if a != nil {
		a.mu.Unlock()
	}
}

// remoteKey is one spelling of a remote, as sameRemote compares them.
func remoteKey(remote string) string {
	e, err := transport.NewEndpoint(remote)
	if err != nil {
		return remote
	}
	p := e.Path
	if e.Protocol == "file" {
		p = filepath.Clean(p)
	} else {
		p = "/" + strings.TrimPrefix(p, "/")
	}
	p = strings.TrimSuffix(strings.TrimSuffix(p, "/"), ".git")
	return fmt.Sprintf("%s|%s|%d|%s|%s", e.Protocol, strings.ToLower(e.Host), port(e), e.User, p)
}

// listed turns refs as a checkout records them after a complete fetch
// into a listing as LsRemote gives it, tags peeled through peel.
func listed(r refs, peel func(h string) (string, bool)) map[string]string {
	out := map[string]string{}
	for n, h := range r {
		switch {
		case isRemoteBranch(n):
			out["refs/heads/"+strings.TrimPrefix(n.String(), remotePrefix)] = h.String()
		case isRemoteTag(n):
			name := "refs/tags/" + strings.TrimPrefix(n.String(), remoteTagPrefix)
			out[name] = h.String()
			if c, ok := peel(h.String()); ok {
				out[name+peeledSuffix] = c
			}
		}
	}
	return out
}

// fetchAll brings the remote's branches and tags into repo's
// remote-tracking refs and reports whether one changed. Offline it does
// nothing: the refs last fetched are trusted. In a run the remote is asked
// once: a checkout whose refs already hold the run's answer is left as it
// is, and another checkout of the remote fetches from the one that holds
// it, on this machine.
func fetchAll(ctx context.Context, repo *git.Repository, req Request) (bool, error) {
	if Offline(ctx) {
		return false, nil
	}
	if req.Depth > 0 {
		return fetchAtDepth(ctx, repo, req)
	}
	if isShallow(repo) {
		// Making a shallow checkout whole needs history the run's
		// answer does not say: it is not shared with other checkouts.
		return fetchRemote(ctx, repo, req)
	}
	a := answerFor(ctx, req.Remote)
	if a == nil {
		return fetchRemote(ctx, repo, req)
	}
	defer a.unlock()
	if a.refs != nil {
		before, err := readRefs(repo.Storer)
		if err != nil {
			return false, err
		}
		if sameListing(before, a.refs) {
			return false, nil
		}
		if a.dir != "" && a.dir != req.Dir {
			updated, err := fetchSibling(ctx, repo, a.dir)
			if err == nil {
				return updated, nil
			}
			// A sibling that cannot serve it leaves the remote to ask.
			req.note(fmt.Sprintf("%v; asking the remote", err))
		}
	}
	updated, err := fetchRemote(ctx, repo, req)
	if err != nil {
		return updated, err
	}
	after, err := readRefs(repo.Storer)
	if err != nil {
		return updated, err
	}
	a.refs, a.dir = listed(after, peeler(repo)), req.Dir
	return updated, nil
}

// sameListing reports whether a checkout's remote-tracking refs are those
// of listing, so a fetch would bring nothing.
func sameListing(r refs, listing map[string]string) bool {
	ours := listed(r, func(string) (string, bool) { return "", false })
	n := 0
	for name, h := range listing {
		if !strings.HasPrefix(name, "refs/heads/") && !strings.HasPrefix(name, "refs/tags/") || strings.HasSuffix(name, peeledSuffix) {
			continue
		}
		n++
		if ours[name] != h {
			return false
		}
	}
	return n == len(ours)
}

// fetchSibling fetches the remote-tracking refs of the checkout at dir,
// which a fetch of this run brought up to date, into repo's own.
func fetchSibling(ctx context.Context, repo *git.Repository, dir string) (bool, error) {
	err := repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName: git.DefaultRemoteName,
		RemoteURL:  dir,
		RefSpecs: []config.RefSpec{
			remotePrefix + "*:" + remotePrefix + "*",
			remoteTagPrefix + "*:" + remoteTagPrefix + "*",
		},
		Tags:  git.NoTags,
		Prune: true,
		Force: true,
	})
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("fetching from %s, fetched in this run: %w", dir, err)
	}
	return true, nil
}

// offlineHint says, offline, that a reference was resolved against the
// refs last fetched and how to fetch them.
func offlineHint(ctx context.Context, err error) error {
	if !Offline(ctx) {
		return err
	}
	return fmt.Errorf("%w (%w: from the refs last fetched; run once without it, e.g. x-platform sync, to fetch)", err, ErrOffline)
}
