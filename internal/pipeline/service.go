package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/x-platform/x-platform/internal/cachekey"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/ui"
)

// outcome is how a service's image came to be, and why.
type outcome struct {
	action ui.Action
	digest string
	why    []string
}

// buildOne takes one service from its reference to a pushed image.
func (p *Pipeline) buildOne(ctx context.Context, s *manifest.Service, deps map[string]ui.ServiceResult) ui.ServiceResult {
	start := time.Now()
	r := p.newResult(s)
	res, err := p.sync(ctx, s)
	if err != nil {
		return p.fail(r, err)
	}
	r.Commit, r.Saved = res.Commit, res.Saved
	r.Image = image.Name(p.RegistryPrefix, s.Docker.Image, res.Commit)
	in, err := p.inputs(ctx, s, res.Commit, deps)
	if err != nil {
		return p.fail(r, err)
	}
	r.Key = in.Key()
	out, err := p.reuse(ctx, s, r.Image, in)
	if err == nil && out.action == "" {
		p.Progress.Stepf(s.Name, "building: %s", strings.Join(out.why, "; "))
		out.action = ui.ActionBuilt
		out.digest, err = p.build(ctx, s, res, r.Image, in)
	}
	if err == nil && out.action != ui.ActionPresent && out.action != ui.ActionPulled {
		err = p.pushName(ctx, s, res, r.Image)
	}
	r.Reason = strings.Join(out.why, "; ")
	if err != nil {
		return p.fail(r, err)
	}
	r.Action, r.Digest = out.action, out.digest
	p.Progress.Donef(s.Name, true, "%s %s (%s)", out.action, r.Image, time.Since(start).Round(time.Millisecond))
	return r
}

// reuse looks for an image made from exactly these inputs: the commit's own
// image in the local engine, then in the registry, then another commit's
// image with the same key. An empty action means none fits; why says so.
func (p *Pipeline) reuse(ctx context.Context, s *manifest.Service, ref string, in cachekey.Inputs) (outcome, error) {
	local, err := p.Images.Inspect(ctx, ref)
	if err != nil {
		return outcome{}, err
	}
	if local.Present {
		why := in.Explain(local.Labels)
		if why == nil {
			return p.present(ctx, s, ref, local.Digest)
		}
		return outcome{why: append([]string{"the commit's image is stale"}, why...)}, nil
	}
	remote, err := p.Registry.Config(ctx, ref)
	switch {
	case err == nil:
		if why := in.Explain(remote.Labels); why != nil {
			return outcome{why: append([]string{"the commit's image in the registry is stale"}, why...)}, nil
		}
		p.Progress.Stepf(s.Name, "pulling %s", ref)
		if err := p.Images.Pull(ctx, ref, p.Progress.Output(s.Name)); err != nil {
			return outcome{}, fmt.Errorf("pulling %s: %w", ref, err)
		}
		return outcome{action: ui.ActionPulled, digest: remote.Digest}, nil
	case !errors.Is(err, image.ErrNotFound):
		return outcome{}, fmt.Errorf("looking up %s in the registry: %w", ref, err)
	}
	return p.reuseByKey(ctx, s, ref, in)
}

// present accepts the local image, pushing it first if it never reached the
// registry (a push that failed after the build).
func (p *Pipeline) present(ctx context.Context, s *manifest.Service, ref, digest string) (outcome, error) {
	if digest == "" {
		p.Progress.Stepf(s.Name, "image present but never pushed: pushing %s", ref)
		var err error
		if digest, err = p.Images.Push(ctx, ref, p.Progress.Output(s.Name)); err != nil {
			return outcome{}, fmt.Errorf("pushing %s: %w", ref, err)
		}
	}
	return outcome{action: ui.ActionPresent, digest: digest}, nil
}

// reuseByKey gives the commit's tag to an image another commit made from
// the same inputs: in the registry, without pulling, and in the local
// engine too when it has that image.
func (p *Pipeline) reuseByKey(ctx context.Context, s *manifest.Service, ref string, in cachekey.Inputs) (outcome, error) {
	keyRef := image.Name(p.RegistryPrefix, s.Docker.Image, in.Tag())
	digest, err := p.Registry.Digest(ctx, keyRef)
	switch {
	case errors.Is(err, image.ErrNotFound):
		return outcome{why: []string{"no image has these inputs yet"}}, nil
	case err != nil:
		return outcome{}, fmt.Errorf("looking up %s in the registry: %w", keyRef, err)
	}
	if err := p.Registry.Tag(ctx, keyRef, tagOf(ref)); err != nil {
		return outcome{}, fmt.Errorf("tagging %s in the registry: %w", ref, err)
	}
	if local, err := p.Images.Inspect(ctx, keyRef); err == nil && local.Present {
		if err := p.Images.Tag(ctx, keyRef, ref); err != nil {
			return outcome{}, fmt.Errorf("tagging %s: %w", ref, err)
		}
	}
	src := "another commit"
	if rev := revisionOf(ctx, p.Registry, keyRef); rev != "" {
		src = "commit " + rev[:min(12, len(rev))]
	}
	return outcome{action: ui.ActionReused, digest: digest, why: []string{"same inputs as the image of " + src}}, nil
}

func revisionOf(ctx context.Context, r Registry, ref string) string {
	cfg, err := r.Config(ctx, ref)
	if err != nil {
		return ""
	}
	return cfg.Labels["org.opencontainers.image.revision"]
}

// pushName points the branch or git tag name at the commit's image, in the
// registry, once the <sha> tag is safely there. A SHA pin has no name.
func (p *Pipeline) pushName(ctx context.Context, s *manifest.Service, res gitsync.Result, ref string) error {
	tag := gitsync.BranchTag(res.Name)
	if res.Kind == gitsync.Commit || tag == "" {
		return nil
	}
	if err := p.Registry.Tag(ctx, ref, tag); err != nil {
		return fmt.Errorf("tagging %s as %s: %w", ref, tag, err)
	}
	return nil
}

func tagOf(ref string) string {
	return ref[len(imageRepo(ref))+1:]
}
