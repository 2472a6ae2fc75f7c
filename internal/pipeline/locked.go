package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/ui"
)

// BuildLocked takes exactly what the lock says: each checkout at its locked
// commit and each image by its locked digest, pulled when the engine does
// not have it. Nothing is built. The caller has checked the lock against
// the manifest.
func (p *Pipeline) BuildLocked(ctx context.Context, services []*manifest.Service, f *lock.File) []ui.ServiceResult {
	return p.each(ctx, services, func(ctx context.Context, s *manifest.Service, _ map[string]ui.ServiceResult) ui.ServiceResult {
		start := time.Now()
		e := f.Services[s.Name]
		r := p.newResult(s)
		r.Commit, r.Key, r.Reason = e.Commit, e.Key, "locked"
		res, err := p.syncTo(ctx, s, e.Commit)
		if err != nil {
			return p.fail(r, err)
		}
		r.Saved = res.Saved
		r.Image = image.Name(p.RegistryPrefix, s.Docker.Image, e.Commit)
		info, err := p.Images.Inspect(ctx, r.Image)
		if err != nil {
			return p.fail(r, err)
		}
		r.Action, r.Digest = ui.ActionPresent, e.Digest
		if !info.Present || info.Digest != e.Digest {
			pinned := imageRepo(r.Image) + "@" + e.Digest
			p.Progress.Stepf(s.Name, "pulling locked image %s", pinned)
			if err := p.Images.Pull(ctx, pinned, p.Progress.Output(s.Name)); err != nil {
				return p.fail(r, fmt.Errorf("pulling locked image %s: %w", pinned, err))
			}
			if err := p.Images.Tag(ctx, pinned, r.Image); err != nil {
				return p.fail(r, fmt.Errorf("tagging %s: %w", r.Image, err))
			}
			r.Action = ui.ActionPulled
		}
		p.Progress.Donef(s.Name, true, "%s %s (%s)", r.Action, r.Image, time.Since(start).Round(time.Millisecond))
		return r
	})
}

// Resolve syncs every service and finds the image its inputs already have,
// building nothing: the material of a lock. A service whose image would
// have to be built fails with the command that builds it.
func (p *Pipeline) Resolve(ctx context.Context, services []*manifest.Service) []ui.ServiceResult {
	return p.each(ctx, services, func(ctx context.Context, s *manifest.Service, deps map[string]ui.ServiceResult) ui.ServiceResult {
		r, res, in, err := p.prepare(ctx, s, deps)
		if err != nil {
			return p.fail(r, err)
		}
		out, err := p.decide(ctx, s, r.Image, in, res.Name)
		switch {
		case err != nil:
			return p.fail(r, err)
		case out.action == ui.ActionBuilt || out.unpushed:
			why := strings.Join(out.why, "; ")
			if out.unpushed {
				why = "the local image was never pushed"
			}
			return p.fail(r, fmt.Errorf("no pushed image has these inputs (%s): run x-platform build --services %s", why, s.Name))
		}
		r.Action, r.Digest, r.Reason = out.action, out.digest, strings.Join(out.why, "; ")
		p.Progress.Donef(s.Name, true, "%s %s", r.Image, r.Digest)
		return r
	})
}

// syncTo checks the service's folder out at an exact commit.
func (p *Pipeline) syncTo(ctx context.Context, s *manifest.Service, commit string) (gitsync.Result, error) {
	pinned := *s
	pinned.Git.Reference = commit
	return p.sync(ctx, &pinned)
}
