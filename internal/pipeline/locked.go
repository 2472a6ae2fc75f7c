package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
)

// BuildLocked takes exactly what the lock says: each checkout at its locked
// commit and each image by its locked digest. An image the engine does not
// have is found in the registry by that digest, or pulled with Pull.
// Nothing is built. The caller has checked the lock against the manifest.
func (p *Pipeline) BuildLocked(ctx context.Context, services []*manifest.Service, f *lock.File) []report.ServiceResult {
	r := p.newRun(false)
	return r.each(ctx, services, func(ctx context.Context, s *manifest.Service, _ map[string]report.ServiceResult) report.ServiceResult {
		start := time.Now()
		e := f.Services[s.Name]
		pinned := *s
		pinned.Git.Reference = e.Commit
		j, err := r.checkoutJob(ctx, &pinned)
		j.s, j.res.Reference = s, s.Git.Reference
		j.res.Commit, j.res.Key, j.res.Reason, j.locked = e.Commit, e.Key, "locked", e.Digest
		if err != nil {
			return r.fail(j.res, err)
		}
		out, err := j.decide(ctx)
		if err == nil {
			out, err = j.act(ctx, out)
		}
		if err != nil {
			return r.fail(j.res, err)
		}
		j.res.Action, j.res.Digest = out.action, e.Digest
		r.Progress.Donef(s.Name, true, "%s %s (%s)", out.action, j.image(), time.Since(start).Round(time.Millisecond))
		return j.res
	})
}

// Resolve syncs every service and finds the image its inputs already have,
// building nothing: the material of a lock. A service whose image would
// have to be built fails with the command that builds it.
func (p *Pipeline) Resolve(ctx context.Context, services []*manifest.Service) []report.ServiceResult {
	r := p.newRun(false)
	return r.each(ctx, services, func(ctx context.Context, s *manifest.Service, deps map[string]report.ServiceResult) report.ServiceResult {
		j, err := r.checkoutJob(ctx, s)
		if err == nil {
			err = j.gather(ctx, deps)
		}
		if err != nil {
			return r.fail(j.res, err)
		}
		out, err := j.decide(ctx)
		switch {
		case err != nil:
			return r.fail(j.res, err)
		case out.action == report.ActionBuilt || out.unpushed:
			why := strings.Join(out.why, "; ")
			if out.unpushed {
				why = "the local image was never pushed"
			}
			return r.fail(j.res, fmt.Errorf("no pushed image has these inputs (%s): run x-platform build --services %s", why, s.Name))
		}
		if out.action == report.ActionPulled {
			out.action = report.ActionFound // a lock takes note of images, it pulls none
		}
		j.res.Action, j.res.Digest, j.res.Reason = out.action, out.digest, strings.Join(out.why, "; ")
		r.Progress.Donef(s.Name, true, "%s %s", j.res.Image, j.res.Digest)
		return j.res
	})
}
