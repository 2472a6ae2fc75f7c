package pipeline

import (
	"context"
	"fmt"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/shortsha"
)

// Gate decides whether an image may become a commit's image: a
// vulnerability policy, say. It is asked only about images a run builds
// or reuses from another commit, never about a commit's image already
// tagged, so a run that changes nothing asks it nothing.
type Gate interface {
	// Ready is called before a build whose image Admit will be asked
	// about, so that the gate's own problems (a database it cannot read)
	// stop the service before anything is pushed.
	Ready(ctx context.Context) error
	// Admit looks at the image ref (repository@digest) made for service;
	// an error refuses it, and the commit's and branch's tags stay where
	// they were.
	Admit(ctx context.Context, service string, ref image.Ref) error
}

// landing is the reference a build first pushes its image under: the
// key's tag when a gate must see the image before the commit's tag moves,
// else the commit's tag. A folder's build has no key and is not gated.
func (j *job) landing() image.Ref {
	if j.Gate != nil && j.folder == "" && j.tags.Key != "" {
		return j.ref.WithTag(j.tags.Key)
	}
	return j.ref
}

// ready readies the gate, if the job's image will need it.
func (j *job) ready(ctx context.Context) error {
	if j.landing() == j.ref {
		return nil
	}
	return j.Gate.Ready(ctx)
}

// gate asks the pipeline's gate, if any, about the image at digest.
func (j *job) gate(ctx context.Context, digest string) error {
	if j.Gate == nil {
		return nil
	}
	if digest == "" {
		return fmt.Errorf("checking %s: its digest is not known", j.ref)
	}
	j.Progress.Stepf(j.s.Name, "checking %s before tagging it %s", shortsha.Digest(digest), j.ref.Tag())
	return j.Gate.Admit(ctx, j.s.Name, j.ref.WithDigest(digest))
}

// admit runs the gate on the image built under land (the key's tag), then
// gives it the commit's tag, in the registry and, when the engine's
// BuildKit made it, in the engine.
func (j *job) admit(ctx context.Context, land image.Ref, digest string) error {
	if err := j.gate(ctx, digest); err != nil {
		return err
	}
	if err := j.Registry.Tag(ctx, land, j.ref.Tag()); err != nil {
		return err
	}
	if local, err := j.Images.Inspect(ctx, land.String()); err == nil && local.Present {
		return j.Images.Tag(ctx, land.String(), j.image())
	}
	return nil
}
