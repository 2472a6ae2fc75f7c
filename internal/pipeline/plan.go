package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"

	"github.com/tonistiigi/fsutil"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/shortsha"
)

// ActionUnknown is planned for a service whose inputs cannot be known
// without doing something (such as a commit the remote does not advertise).
const ActionUnknown report.Action = "unknown"

// Plan says what Build would do for each service, and why, changing
// nothing: references are resolved by listing the remote, a commit the
// checkout does not hold is read into memory, and images are only
// inspected. Each service's job stops after deciding.
func (p *Pipeline) Plan(ctx context.Context, services []*manifest.Service) []report.ServiceResult {
	r := p.newRun(true)
	sources := r.lookAll(ctx, services)
	return r.each(ctx, services, func(ctx context.Context, s *manifest.Service, deps map[string]report.ServiceResult) report.ServiceResult {
		j := r.newJob(s)
		sp := sources[s.Name]
		if sp.err != nil {
			return r.fail(j.res, sp.err)
		}
		j.at(sp.commit, sp.src)
		j.name, j.byCommit = planName(s), len(s.Git.Reference) == 40
		why := []string{sp.why}
		for _, d := range s.Deps {
			if dep, ok := deps[d]; ok && dep.Digest == "" {
				j.res.Action, j.res.Reason = report.ActionBuilt, strings.Join(append(why, "dependency "+d+" will be built first"), "; ")
				return j.res
			}
		}
		if sp.src == nil {
			j.res.Action, j.res.Reason = ActionUnknown, strings.Join(append(why, "its inputs are known once it is fetched (x-platform sync)"), "; ")
			return j.res
		}
		err := j.gather(ctx, deps)
		if errors.Is(err, errNoBuilder) {
			j.res.Action, j.res.Reason = report.ActionBuilt, strings.Join(append(why, err.Error()), "; ")
			return j.res
		}
		if err != nil {
			return r.fail(j.res, err)
		}
		out, err := j.decide(ctx)
		if err != nil {
			return r.fail(j.res, err)
		}
		if out.unpushed {
			out.why = append(out.why, "the local image was never pushed: build pushes it")
		}
		j.res.Action, j.res.Digest = out.action, out.digest
		j.res.Reason = strings.Join(append(why, out.why...), "; ")
		return j.res
	})
}

// sourcePlan is where a service's commit is and how its files are read
// (src is nil when that needs a fetch), and what sync would do.
type sourcePlan struct {
	commit string
	src    source
	why    string
	err    error
}

// lookAll asks each remote of services once, network() remotes at once:
// one session lists its references and fetches into memory the commits
// of its services whose checkout is elsewhere.
func (r *run) lookAll(ctx context.Context, services []*manifest.Service) map[string]sourcePlan {
	byRemote := map[string][]*manifest.Service{}
	var remotes []string
	for _, s := range services {
		if _, ok := byRemote[s.Git.URL]; !ok {
			remotes = append(remotes, s.Git.URL)
		}
		byRemote[s.Git.URL] = append(byRemote[s.Git.URL], s)
	}
	out := map[string]sourcePlan{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, r.network())
	for _, url := range remotes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			plans := r.lookRemote(ctx, url, byRemote[url])
			mu.Lock()
			maps.Copy(out, plans)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// lookRemote plans the sources of services of one remote, by name.
func (r *run) lookRemote(ctx context.Context, url string, services []*manifest.Service) map[string]sourcePlan {
	out := map[string]sourcePlan{}
	heads := map[string]string{}
	for _, s := range services {
		if h, err := gitsync.Resolve(s.AbsDir, "HEAD"); err == nil {
			heads[s.Name] = h
		}
	}
	if gitsync.Offline(ctx) {
		for _, s := range services {
			out[s.Name] = r.offlineSource(s, heads[s.Name])
		}
		return out
	}
	look, err := r.Git.Look(ctx, url, func(refs map[string]string) []string {
		var want []string
		for _, s := range services {
			if commit, _, err := gitsync.CheckReference(refs, s.Git.Reference); err == nil && commit != heads[s.Name] {
				want = append(want, commit)
			}
		}
		return want
	})
	for _, s := range services {
		if err != nil {
			out[s.Name] = sourcePlan{err: err} // it names the remote, without its secrets
			continue
		}
		out[s.Name] = r.planSource(look, s, heads[s.Name])
	}
	return out
}

// planSource resolves the service's reference against the look at its
// remote, whose session fetched the commit when the checkout (at head)
// is elsewhere.
func (r *run) planSource(look *gitsync.Looked, s *manifest.Service, head string) sourcePlan {
	commit, _, err := gitsync.CheckReference(look.Refs, s.Git.Reference)
	notTip := errors.Is(err, gitsync.ErrCommitNotAdvertised)
	if err != nil && !notTip {
		return sourcePlan{err: fmt.Errorf("resolving %q: %w", s.Git.Reference, err)}
	}
	switch {
	case head == commit:
		return sourcePlan{commit: commit, src: checkoutSource{r.Git, s, commit}, why: "checkout is at " + shortsha.Commit(commit)}
	case notTip:
		return sourcePlan{commit: commit, why: "checkout moves to " + shortsha.Commit(commit)}
	}
	why := "clone at " + shortsha.Commit(commit)
	if head != "" {
		why = fmt.Sprintf("checkout moves %s → %s", shortsha.Commit(head), shortsha.Commit(commit))
	}
	dockerfile := dockerfilePath(s)
	snap, err := look.Snapshot(commit, treePath(s), dockerfile)
	if err != nil {
		return sourcePlan{err: err}
	}
	return sourcePlan{commit: snap.Commit, src: snapshotSource{snap, dockerfile}, why: why}
}

// offlineSource resolves the service's reference against the refs its
// checkout (at head) last fetched, asking no remote.
func (r *run) offlineSource(s *manifest.Service, head string) sourcePlan {
	if head == "" {
		return sourcePlan{err: fmt.Errorf("%s has no checkout: %w; run once without it (x-platform sync) to clone it", s.Dir, gitsync.ErrOffline)}
	}
	commit, err := gitsync.Resolve(s.AbsDir, s.Git.Reference)
	if err != nil {
		return sourcePlan{err: fmt.Errorf("%w (offline: from the refs %s last fetched; run without --offline to fetch)", err, s.Dir)}
	}
	why := "offline: checkout is at " + shortsha.Commit(commit)
	if head != commit {
		why = fmt.Sprintf("offline: checkout moves %s → %s", shortsha.Commit(head), shortsha.Commit(commit))
	}
	return sourcePlan{commit: commit, src: checkoutSource{r.Git, s, commit}, why: why}
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
		return nil, fmt.Errorf("commit %s has no %s", shortsha.Commit(s.snap.Commit), s.file)
	}
	return b, nil
}

func (s snapshotSource) files() (fsutil.FS, error) {
	return nil, fmt.Errorf("commit %s is only read, never built, by a plan", shortsha.Commit(s.snap.Commit))
}
