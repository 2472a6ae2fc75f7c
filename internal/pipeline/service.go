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
	// keyRef is the image another commit made from the same inputs (reused).
	keyRef string
	// unpushed marks a present image whose push never finished.
	unpushed bool
}

// buildOne takes one service from its reference to a pushed image.
func (p *Pipeline) buildOne(ctx context.Context, s *manifest.Service, deps map[string]ui.ServiceResult) ui.ServiceResult {
	if dir, ok := p.Local[s.Name]; ok {
		return p.buildLocal(ctx, s, dir, deps)
	}
	start := time.Now()
	r, res, in, err := p.prepare(ctx, s, deps)
	if err != nil {
		return p.fail(r, err)
	}
	out, err := p.decide(ctx, s, r.Image, in, res.Name)
	if err == nil {
		out, err = p.act(ctx, s, res, r.Image, in, out)
	}
	r.Reason = strings.Join(out.why, "; ")
	if err != nil {
		return p.fail(r, err)
	}
	r.Action, r.Digest = out.action, out.digest
	p.Progress.Donef(s.Name, true, "%s %s (%s)", out.action, r.Image, time.Since(start).Round(time.Millisecond))
	return r
}

// prepare syncs the service's checkout and gathers the inputs of its image.
func (p *Pipeline) prepare(ctx context.Context, s *manifest.Service, deps map[string]ui.ServiceResult) (ui.ServiceResult, gitsync.Result, cachekey.Inputs, error) {
	r := p.newResult(s)
	res, err := p.sync(ctx, s)
	if err != nil {
		return r, res, cachekey.Inputs{}, err
	}
	r.Commit, r.Saved = res.Commit, res.Saved
	r.Image = image.Name(p.RegistryPrefix, s.Docker.Image, res.Commit)
	in, err := p.inputs(ctx, s, checkoutSource{p, s, res.Commit}, deps)
	if err == nil {
		r.Key = in.Key()
	}
	return r, res, in, err
}

// decide looks, without changing anything, for an image made from exactly
// these inputs: the commit's own image in the local engine, then in the
// registry, then another commit's image with the same key. Failing all
// three, the action is built and why says what is missing or changed.
// The commit's image in the registry is found, not pulled, unless Pull
// asks for it in the local engine: nothing of a run reads it there.
//
// name is the branch or tag the commit was reached by: when nothing fits,
// the image last pushed under that name tells which inputs changed.
func (p *Pipeline) decide(ctx context.Context, s *manifest.Service, ref string, in cachekey.Inputs, name string) (outcome, error) {
	local, err := p.Images.Inspect(ctx, ref)
	if err != nil {
		return outcome{}, err
	}
	if local.Present {
		if why := in.Explain(local.Labels); why != nil {
			return outcome{action: ui.ActionBuilt, why: append([]string{"the commit's image is stale"}, why...)}, nil
		}
		return outcome{action: ui.ActionPresent, digest: local.Digest, unpushed: local.Digest == ""}, nil
	}
	remote, err := p.Registry.Config(ctx, ref)
	switch {
	case err == nil:
		if why := in.Explain(remote.Labels); why != nil {
			return outcome{action: ui.ActionBuilt, why: append([]string{"the commit's image in the registry is stale"}, why...)}, nil
		}
		if p.Pull {
			return outcome{action: ui.ActionPulled, digest: remote.Digest}, nil
		}
		return outcome{action: ui.ActionFound, digest: remote.Digest}, nil
	case !errors.Is(err, image.ErrNotFound):
		return outcome{}, fmt.Errorf("looking up %s in the registry: %w", ref, err)
	}
	keyRef := image.Cut(ref).WithTag(image.KeyTag(in.Key())).String()
	digest, err := p.Registry.Digest(ctx, keyRef)
	switch {
	case errors.Is(err, image.ErrNotFound):
		return outcome{action: ui.ActionBuilt, why: p.sinceLast(ctx, s, in, name)}, nil
	case err != nil:
		return outcome{}, fmt.Errorf("looking up %s in the registry: %w", keyRef, err)
	}
	src := "another commit"
	if rev := revisionOf(ctx, p.Registry, keyRef); rev != "" {
		src = "commit " + rev[:min(12, len(rev))]
	}
	return outcome{action: ui.ActionReused, digest: digest, keyRef: keyRef, why: []string{"same inputs as the image of " + src}}, nil
}

// act carries out a decision and records the tags it leaves; an image
// present or found with the tags a finished run recorded needs nothing more.
func (p *Pipeline) act(ctx context.Context, s *manifest.Service, res gitsync.Result, ref string, in cachekey.Inputs, out outcome) (outcome, error) {
	refs := p.signed(tagRefs(ref, p.tags(res, in)))
	taken := out.action == ui.ActionPresent || out.action == ui.ActionFound
	if taken && p.tagsDone(s.Name, out.digest, refs) {
		return out, nil
	}
	p.forgetTags(s.Name)
	out, err := p.actOn(ctx, s, res, ref, in, out)
	if err == nil {
		err = p.sign(ctx, s, res, ref, in, out.digest)
	}
	if err == nil {
		p.markTagsDone(s.Name, out.digest, refs)
	}
	return out, err
}

// actOn pushes an unpushed image, completes the tags of a found one,
// pulls, tags a reused image, or builds; then the branch or tag name
// follows the new <sha> tag.
func (p *Pipeline) actOn(ctx context.Context, s *manifest.Service, res gitsync.Result, ref string, in cachekey.Inputs, out outcome) (outcome, error) {
	var err error
	switch out.action {
	case ui.ActionPresent:
		digest, err := p.completeTags(ctx, s, res, ref, in, true)
		if err == nil && out.digest == "" {
			out.digest = digest
		}
		return out, err
	case ui.ActionFound:
		_, err := p.completeTags(ctx, s, res, ref, in, false)
		return out, err
	case ui.ActionPulled:
		p.Progress.Stepf(s.Name, "pulling %s", ref)
		if err := p.Images.Pull(ctx, ref, p.Progress.Output(s.Name)); err != nil {
			return out, fmt.Errorf("pulling %s: %w", ref, err)
		}
		_, err := p.completeTags(ctx, s, res, ref, in, true)
		return out, err
	case ui.ActionReused:
		if err := p.Registry.Tag(ctx, out.keyRef, image.Cut(ref).Tag()); err != nil {
			return out, fmt.Errorf("tagging %s in the registry: %w", ref, err)
		}
		if local, err := p.Images.Inspect(ctx, out.keyRef); err == nil && local.Present {
			if err := p.Images.Tag(ctx, out.keyRef, ref); err != nil {
				return out, fmt.Errorf("tagging %s: %w", ref, err)
			}
		}
	default:
		p.Progress.Stepf(s.Name, "building: %s", strings.Join(out.why, "; "))
		var note string
		out.digest, note, err = p.build(ctx, s, res, ref, in)
		if note != "" {
			out.why = append(out.why, note)
		}
		if err != nil {
			return out, err
		}
	}
	return out, p.pushName(ctx, ref, p.tags(res, in).Branch)
}

// sinceLast says what changed since the image last pushed under the branch
// or tag name, when there is one.
func (p *Pipeline) sinceLast(ctx context.Context, s *manifest.Service, in cachekey.Inputs, name string) []string {
	why := []string{"no image has these inputs yet"}
	tag := image.BranchTag(name)
	if tag == "" {
		return why
	}
	last, err := p.Registry.Config(ctx, image.Name(p.RegistryPrefix, s.Docker.Image, tag))
	if err != nil {
		return why
	}
	rev := last.Labels["org.opencontainers.image.revision"]
	changed := in.Explain(last.Labels)
	if rev == "" || changed == nil {
		return why
	}
	return append(why, fmt.Sprintf("since %s (commit %s): %s", tag, rev[:min(12, len(rev))], strings.Join(changed, ", ")))
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
func (p *Pipeline) pushName(ctx context.Context, ref, tag string) error {
	if tag == "" {
		return nil
	}
	if err := p.Registry.Tag(ctx, ref, tag); err != nil {
		return fmt.Errorf("tagging %s as %s: %w", ref, tag, err)
	}
	return nil
}
