package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/x-platform/x-platform/internal/cachekey"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
)

// completeTags gives the commit's image, already in the registry under its
// <sha> tag, the tags a finished run leaves: its key's tag and the branch or
// git tag name. A run cut short after the <sha> push left them out, and a
// rerun finds the image present; tagging by digest moves no layers. digest
// is the manifest digest the <sha> tag points to.
func (p *Pipeline) completeTags(ctx context.Context, s *manifest.Service, res gitsync.Result, ref string, in cachekey.Inputs, digest string) error {
	keyRef := image.Name(p.RegistryPrefix, s.Docker.Image, in.Tag())
	switch _, err := p.Registry.Digest(ctx, keyRef); {
	case errors.Is(err, image.ErrNotFound):
		// Any image with these inputs may hold the key's tag; only a
		// missing one is added.
		p.Progress.Stepf(s.Name, "adding the missing tag %s", in.Tag())
		if err := p.Registry.Tag(ctx, ref, in.Tag()); err != nil {
			return fmt.Errorf("tagging %s with its cache key: %w", ref, err)
		}
	case err != nil:
		return fmt.Errorf("looking up %s in the registry: %w", keyRef, err)
	}
	name := gitsync.BranchTag(res.Name)
	if res.Kind == gitsync.Commit || name == "" {
		return nil
	}
	nameRef := image.Name(p.RegistryPrefix, s.Docker.Image, name)
	switch got, err := p.Registry.Digest(ctx, nameRef); {
	case err == nil && got == digest:
		return nil
	case err != nil && !errors.Is(err, image.ErrNotFound):
		return fmt.Errorf("looking up %s in the registry: %w", nameRef, err)
	}
	p.Progress.Stepf(s.Name, "pointing %s at %s", name, tagOf(ref))
	return p.pushName(ctx, s, res, ref)
}
