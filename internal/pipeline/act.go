package pipeline

import (
	"context"
	"strings"

	"github.com/x-platform/x-platform/internal/report"
)

// act carries out a decision: it solves, pushes, tags, signs and records
// what it leaves. A commit's image present or found with the tags a
// finished run recorded needs nothing more; a folder's image leaves no
// record, and a lock's is only made at hand.
func (j *job) act(ctx context.Context, out outcome) (outcome, error) {
	if j.locked != "" {
		return out, j.takeLocked(ctx, out)
	}
	record := j.folder == ""
	refs := j.signed(j.tagRefs())
	taken := out.action == report.ActionPresent || out.action == report.ActionFound
	if record && taken && recordsOf(j.Manifest).done(j.s.Name, out.digest, refs) {
		return out, nil
	}
	if record {
		recordsOf(j.Manifest).forget(j.s.Name)
	}
	out, err := j.carryOut(ctx, out)
	if err == nil {
		err = j.sign(ctx, out.digest)
	}
	if err == nil && record {
		recordsOf(j.Manifest).mark(j.s.Name, out.digest, refs)
	}
	return out, err
}

// carryOut pushes an unpushed image, completes the tags of a found one,
// pulls, tags a reused image, or builds; then the branch or tag name
// follows the new <sha> tag.
func (j *job) carryOut(ctx context.Context, out outcome) (outcome, error) {
	switch out.action {
	case report.ActionPresent:
		digest, err := j.completeTags(ctx, true)
		if err == nil && out.digest == "" {
			out.digest = digest
		}
		return out, err
	case report.ActionFound:
		_, err := j.completeTags(ctx, false)
		return out, err
	case report.ActionPulled:
		j.Progress.Stepf(j.s.Name, "pulling %s", j.ref)
		if err := j.Images.Pull(ctx, j.image(), j.Progress.Output(j.s.Name)); err != nil {
			return out, err
		}
		_, err := j.completeTags(ctx, true)
		return out, err
	case report.ActionReused:
		if out.keyRef.IsZero() {
			return out, nil // the folder's own image
		}
		if err := j.gate(ctx, out.digest); err != nil {
			return out, err
		}
		if err := j.Registry.Tag(ctx, out.keyRef, j.ref.Tag()); err != nil {
			return out, err
		}
		if local, err := j.Images.Inspect(ctx, out.keyRef.String()); err == nil && local.Present {
			if err := j.Images.Tag(ctx, out.keyRef.String(), j.image()); err != nil {
				return out, err
			}
		}
	default:
		if err := j.ready(ctx); err != nil {
			return out, err
		}
		j.Progress.Stepf(j.s.Name, "building: %s", strings.Join(out.why, "; "))
		digest, note, err := j.build(ctx)
		out.digest = digest
		if note != "" {
			out.why = append(out.why, note)
		}
		if err != nil {
			return out, err
		}
	}
	return out, j.pushName(ctx)
}

// pushName points the branch or git tag name at the commit's image, in the
// registry, once the <sha> tag is safely there. A SHA pin has no name.
func (j *job) pushName(ctx context.Context) error {
	if j.tags.Branch == "" {
		return nil
	}
	return j.Registry.Tag(ctx, j.ref, j.tags.Branch)
}

// takeLocked makes the locked image at hand as decided: pulled by its
// digest and tagged as the commit's image.
func (j *job) takeLocked(ctx context.Context, out outcome) error {
	if out.action != report.ActionPulled {
		return nil
	}
	pinned := j.ref.WithDigest(j.locked).String()
	j.Progress.Stepf(j.s.Name, "pulling locked image %s", pinned)
	if err := j.Images.Pull(ctx, pinned, j.Progress.Output(j.s.Name)); err != nil {
		return err
	}
	return j.Images.Tag(ctx, pinned, j.image())
}
