package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/shortsha"
)

// outcome is how a service's image came to be, and why.
type outcome struct {
	action report.Action
	digest string
	why    []string
	// keyRef is the image another commit made from the same inputs (reused).
	keyRef image.Ref
	// unpushed marks a present image whose push never finished.
	unpushed bool
}

// decide looks, without changing anything, for an image made from exactly
// the job's inputs. A lock's image is taken as it is; a folder's is looked
// for under its dirty- tag; a commit's is looked for in the local engine,
// then in the registry, then as another commit's image with the same key.
// Failing that, the action is built and why says what is missing or
// changed. The commit's image in the registry is found, not pulled, unless
// Pull asks for it in the local engine: nothing of a run reads it there.
func (j *job) decide(ctx context.Context) (outcome, error) {
	switch {
	case j.locked != "":
		return j.decideLocked(ctx)
	case j.folder != "":
		return j.decideFolder(ctx)
	}
	local, err := j.Images.Inspect(ctx, j.image())
	if err != nil {
		return outcome{}, err
	}
	if local.Present {
		if why := j.in.Explain(local.Labels); why != nil {
			return outcome{action: report.ActionBuilt, why: append([]string{"the commit's image is stale"}, why...)}, nil
		}
		return outcome{action: report.ActionPresent, digest: local.Digest, unpushed: local.Digest == ""}, nil
	}
	remote, err := j.Registry.Config(ctx, j.ref)
	switch {
	case err == nil:
		if why := j.in.Explain(remote.Labels); why != nil {
			return outcome{action: report.ActionBuilt, why: append([]string{"the commit's image in the registry is stale"}, why...)}, nil
		}
		if j.Pull {
			return outcome{action: report.ActionPulled, digest: remote.Digest}, nil
		}
		return outcome{action: report.ActionFound, digest: remote.Digest}, nil
	case !errors.Is(err, image.ErrNotFound):
		return outcome{}, err
	}
	keyRef := j.ref.WithTag(j.tags.Key)
	digest, err := j.Registry.Digest(ctx, keyRef)
	switch {
	case errors.Is(err, image.ErrNotFound):
		return outcome{action: report.ActionBuilt, why: j.sinceLast(ctx)}, nil
	case err != nil:
		return outcome{}, err
	}
	src := "another commit"
	if rev := j.revisionOf(ctx, keyRef); rev != "" {
		src = "commit " + shortsha.Commit(rev)
	}
	return outcome{action: report.ActionReused, digest: digest, keyRef: keyRef, why: []string{"same inputs as the image of " + src}}, nil
}

// sinceLast says what changed since the image last pushed under the branch
// or tag name, when there is one.
func (j *job) sinceLast(ctx context.Context) []string {
	why := []string{"no image has these inputs yet"}
	if j.tags.Branch == "" {
		return why
	}
	last, err := j.Registry.Config(ctx, j.ref.WithTag(j.tags.Branch))
	if err != nil {
		return why
	}
	rev := last.Labels["org.opencontainers.image.revision"]
	changed := j.in.Explain(last.Labels)
	if rev == "" || changed == nil {
		return why
	}
	return append(why, fmt.Sprintf("since %s (commit %s): %s", j.tags.Branch, shortsha.Commit(rev), strings.Join(changed, ", ")))
}

func (j *job) revisionOf(ctx context.Context, ref image.Ref) string {
	cfg, err := j.Registry.Config(ctx, ref)
	if err != nil {
		return ""
	}
	return cfg.Labels["org.opencontainers.image.revision"]
}

// decideFolder takes the folder's image when the registry has it with the
// same inputs; else it is built.
func (j *job) decideFolder(ctx context.Context) (outcome, error) {
	cfg, err := j.Registry.Config(ctx, j.ref)
	switch {
	case err == nil && j.in.Explain(cfg.Labels) == nil:
		return outcome{action: report.ActionReused, digest: cfg.Digest, why: []string{"the folder's image is in the registry"}}, nil
	case err == nil || errors.Is(err, image.ErrNotFound):
		return outcome{action: report.ActionBuilt, why: []string{"built from the working folder"}}, nil
	}
	return outcome{}, err
}

// decideLocked says where the locked image is: in the engine already, in
// the registry by its digest, or to be pulled from there with Pull.
func (j *job) decideLocked(ctx context.Context) (outcome, error) {
	out := outcome{digest: j.locked, why: []string{"locked"}}
	info, err := j.Images.Inspect(ctx, j.image())
	if err != nil {
		return out, err
	}
	if info.Present && info.Digest == j.locked {
		out.action = report.ActionPresent
		return out, nil
	}
	if j.Pull {
		out.action = report.ActionPulled
		return out, nil
	}
	pinned := j.ref.WithDigest(j.locked)
	_, err = j.Registry.Digest(ctx, pinned)
	switch {
	case errors.Is(err, image.ErrNotFound):
		return out, fmt.Errorf("the registry no longer has the locked image %s: run x-platform lock to lock images that exist", pinned)
	case err != nil:
		return out, err
	}
	out.action = report.ActionFound
	return out, nil
}
