package cleanup

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/retention"
)

// guard re-reads the environments just before deletes: their release
// records, in-progress ones included, what their workloads run and their
// deploy locks.
type guard struct {
	registry string
	envs     map[string]Environment
	// releases is how many of each environment's last records count, as in
	// the plan; deployed and in-progress ones count however old.
	releases int

	mu   sync.Mutex
	at   time.Time // when snap began to be read
	snap *snapshot
}

type snapshot struct {
	releases []retention.Release
	// running maps an image digest that runs now, in whichever repository,
	// to where; byTag maps a repository:tag reference that runs now.
	running, byTag map[string]string
	deploying      map[string]string // env → holder of its live deploy lock
	err            error
}

// fresh returns a snapshot whose reading began at or after notBefore, so
// that any record written before a delete was decided is in it. Callers
// waiting at once share one reading when it is fresh enough for them.
func (g *guard) fresh(ctx context.Context, notBefore time.Time) *snapshot {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.snap != nil && !g.at.Before(notBefore) {
		return g.snap
	}
	start := time.Now()
	s := &snapshot{deploying: map[string]string{}, running: map[string]string{}, byTag: map[string]string{}}
	for _, name := range slices.Sorted(maps.Keys(g.envs)) {
		e := g.envs[name]
		st, err := e.Read(ctx)
		if err != nil {
			s.err = fmt.Errorf("reading the releases of %s again: %w", name, err)
			break
		}
		s.addRunning(g.registry, name, st.Running)
		records := st.Records
		slices.SortFunc(records, func(a, b *release.Record) int { return b.Revision - a.Revision })
		for i, r := range records {
			if i >= g.releases && r.Status != release.Deployed && r.Status != release.InProgress {
				continue
			}
			rel := retention.Release{Env: r.Env, Revision: r.Revision, Status: string(r.Status)}
			for _, svc := range r.Services {
				if ref, ok := refIn(g.registry, svc.Image, svc.Digest); ok {
					rel.Images = append(rel.Images, ref)
				} else if svc.Digest != "" {
					// Another spelling of the registry: the digest is kept
					// wherever it is.
					s.running[svc.Digest] = fmt.Sprintf("release %d of %s (%s) names it as %s now", r.Revision, r.Env, r.Status, svc.Image)
				}
			}
			s.releases = append(s.releases, rel)
		}
		holder, err := e.Deploying(ctx)
		if err != nil {
			s.err = err
			break
		}
		if holder != "" {
			s.deploying[name] = holder
		}
	}
	g.at, g.snap = start, s
	return s
}

// keeps says why the snapshot saves the image digest (with tags) of
// repository, or "" when nothing does.
func (s *snapshot) keeps(repository, digest string, tags []string) string {
	for _, env := range slices.Sorted(maps.Keys(s.deploying)) {
		return fmt.Sprintf("a deploy to %s is running (%s); run cleanup again once it is done", env, s.deploying[env])
	}
	if why, ok := s.running[digest]; ok {
		return why
	}
	for _, tag := range tags {
		if why, ok := s.byTag[image.Repo(repository).WithTag(tag).String()]; ok {
			return why
		}
	}
	for _, rel := range s.releases {
		for _, ref := range rel.Images {
			if ref.Repository == repository && (ref.Digest == digest || ref.Tag != "" && slices.Contains(tags, ref.Tag)) {
				return fmt.Sprintf("release %d of %s (%s) names it now", rel.Revision, rel.Env, rel.Status)
			}
		}
	}
	return ""
}

// addRunning adds what env's workloads run: a digest in any repository,
// since a digest names the same content under any spelling of the
// registry, and a tag of a repository below it.
func (s *snapshot) addRunning(registry, env string, running []deploy.Running) {
	for _, r := range outermost(running) {
		why := fmt.Sprintf("running in %s (%s %s/%s) now", env, strings.ToLower(r.Kind), r.Namespace, r.Name)
		if digest := r.Image.Digest(); digest != "" {
			s.running[digest] = why
			continue
		}
		if ref, ok := refIn(registry, r.Image, ""); ok && ref.Tag != "" {
			s.byTag[image.Repo(ref.Repository).WithTag(ref.Tag).String()] = why
		}
	}
}
