package pipeline

import (
	"context"
	"errors"
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
// commit and each image by its locked digest. An image the engine does not
// have is found in the registry by that digest, or pulled with Pull.
// Nothing is built. The caller has checked the lock against the manifest.
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
		r.Digest = e.Digest
		if r.Action, err = p.takeLocked(ctx, s, r.Image, e.Digest); err != nil {
			return p.fail(r, err)
		}
		p.Progress.Donef(s.Name, true, "%s %s (%s)", r.Action, r.Image, time.Since(start).Round(time.Millisecond))
		return r
	})
}

// takeLocked makes sure the locked image is at hand: in the engine
// already, in the registry by its digest, or pulled from there with Pull.
func (p *Pipeline) takeLocked(ctx context.Context, s *manifest.Service, ref, digest string) (ui.Action, error) {
	info, err := p.Images.Inspect(ctx, ref)
	if err != nil {
		return "", err
	}
	if info.Present && info.Digest == digest {
		return ui.ActionPresent, nil
	}
	pinned := image.Cut(ref).WithDigest(digest).String()
	if !p.Pull {
		_, err := p.Registry.Digest(ctx, pinned)
		switch {
		case errors.Is(err, image.ErrNotFound):
			return "", fmt.Errorf("the registry no longer has the locked image %s: run x-platform lock to lock images that exist", pinned)
		case err != nil:
			return "", fmt.Errorf("looking up locked image %s in the registry: %w", pinned, err)
		}
		return ui.ActionFound, nil
	}
	p.Progress.Stepf(s.Name, "pulling locked image %s", pinned)
	if err := p.Images.Pull(ctx, pinned, p.Progress.Output(s.Name)); err != nil {
		return "", fmt.Errorf("pulling locked image %s: %w", pinned, err)
	}
	if err := p.Images.Tag(ctx, pinned, ref); err != nil {
		return "", fmt.Errorf("tagging %s: %w", ref, err)
	}
	return ui.ActionPulled, nil
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
		if out.action == ui.ActionPulled {
			out.action = ui.ActionFound // a lock takes note of images, it pulls none
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
