package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/ui"
)

// ActionUnknown is planned for a service whose inputs cannot be known
// without doing something (such as a commit the remote does not advertise).
const ActionUnknown ui.Action = "unknown"

// Plan says what Build would do for each service, and why, changing
// nothing: references are resolved by listing the remote, a commit the
// checkout does not hold is read into memory, and images are only inspected.
func (p *Pipeline) Plan(ctx context.Context, services []*manifest.Service) []ui.ServiceResult {
	p.dry = true
	defer func() { p.dry = false }()
	return p.each(ctx, services, func(ctx context.Context, s *manifest.Service, deps map[string]ui.ServiceResult) ui.ServiceResult {
		r := p.newResult(s)
		commit, src, syncWhy, err := p.planSource(ctx, s)
		if err != nil {
			return p.fail(r, err)
		}
		r.Commit = commit
		r.Image = image.Name(p.RegistryPrefix, s.Docker.Image, commit)
		why := []string{syncWhy}
		for _, d := range s.Deps {
			if dep, ok := deps[d]; ok && dep.Digest == "" {
				r.Action, r.Reason = ui.ActionBuilt, strings.Join(append(why, "dependency "+d+" will be built first"), "; ")
				return r
			}
		}
		if src == nil {
			r.Action, r.Reason = ActionUnknown, strings.Join(append(why, "its inputs are known once it is fetched (x-platform sync)"), "; ")
			return r
		}
		in, err := p.inputs(ctx, s, src, deps)
		if errors.Is(err, errNoBuilder) {
			r.Action, r.Reason = ui.ActionBuilt, strings.Join(append(why, err.Error()), "; ")
			return r
		}
		if err != nil {
			return p.fail(r, err)
		}
		out, err := p.decide(ctx, s, r.Image, in, planName(s))
		if err != nil {
			return p.fail(r, err)
		}
		if out.unpushed {
			out.why = append(out.why, "the local image was never pushed: build pushes it")
		}
		r.Key, r.Action, r.Digest = in.Key(), out.action, out.digest
		r.Reason = strings.Join(append(why, out.why...), "; ")
		return r
	})
}

// planSource resolves the service's reference against its remote and
// returns the commit, a way to read its files (nil when that needs a
// fetch), and what sync would do.
func (p *Pipeline) planSource(ctx context.Context, s *manifest.Service) (string, source, string, error) {
	refs, err := gitsync.LsRemote(ctx, s.Git.URL)
	if err != nil {
		return "", nil, "", err // it names the remote, without its secrets
	}
	commit, kind, err := gitsync.CheckReference(refs, s.Git.Reference)
	notTip := errors.Is(err, gitsync.ErrCommitNotAdvertised)
	if err != nil && !notTip {
		return "", nil, "", fmt.Errorf("resolving %q: %w", s.Git.Reference, err)
	}
	head, headErr := gitsync.Resolve(s.AbsDir, "HEAD")
	switch {
	case headErr == nil && head == commit:
		return commit, checkoutSource{p, s, commit}, "checkout is at " + commit[:12], nil
	case notTip:
		return commit, nil, "checkout moves to " + commit[:12], nil
	}
	why := "clone at " + commit[:12]
	if headErr == nil {
		why = fmt.Sprintf("checkout moves %s → %s", head[:12], commit[:12])
	}
	refName := "refs/tags/" + s.Git.Reference
	if kind == gitsync.Branch {
		refName = "refs/heads/" + strings.TrimPrefix(s.Git.Reference, "origin/")
	}
	dockerfile := dockerfilePath(s)
	snap, err := gitsync.Peek(ctx, s.Git.URL, refName, treePath(s), dockerfile)
	if err != nil {
		return "", nil, "", err
	}
	return snap.Commit, snapshotSource{snap, dockerfile}, why, nil
}

// planName is the branch or tag a reference names, for comparing with the
// image last pushed under it.
func planName(s *manifest.Service) string {
	if len(s.Git.Reference) == 40 {
		return ""
	}
	return strings.TrimPrefix(s.Git.Reference, "origin/")
}

// snapshotSource reads a commit fetched into memory.
type snapshotSource struct {
	snap gitsync.Snapshot
	file string
}

func (s snapshotSource) tree(string) (string, error) { return s.snap.Tree, nil }

func (s snapshotSource) dockerfile() ([]byte, error) {
	b, ok := s.snap.Files[s.file]
	if !ok {
		return nil, fmt.Errorf("commit %s has no %s", s.snap.Commit[:12], s.file)
	}
	return b, nil
}
