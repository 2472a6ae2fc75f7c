package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/x-platform/x-platform/internal/cachekey"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
)

// completeTags makes sure the registry holds what a finished run leaves
// for the commit's image: the <sha> tag (pushing the local image when the
// registry lacks it and local says the engine has one), its key's tag and
// the branch or git tag name. A run
// cut short after the <sha> push left the others out, and a rerun finds the
// image present; tagging by digest moves no layers. It returns the <sha>
// tag's digest. The three look-ups go out at once: a no-op run makes them
// for every service.
func (p *Pipeline) completeTags(ctx context.Context, s *manifest.Service, res gitsync.Result, ref string, in cachekey.Inputs, local bool) (string, error) {
	tags := p.tags(res, in)
	refs := tagRefs(ref, tags)
	digests, errs := p.lookup(ctx, refs)
	for i, err := range errs {
		if err != nil && !errors.Is(err, image.ErrNotFound) {
			return "", fmt.Errorf("looking up %s in the registry: %w", refs[i], err)
		}
	}
	digest := digests[0]
	if errs[0] != nil && !local {
		// Found a moment ago; something (a cleanup) deleted it since.
		return "", fmt.Errorf("%s left the registry while this run took it: run the build again", ref)
	}
	if errs[0] != nil {
		p.Progress.Stepf(s.Name, "image present but not in the registry: pushing %s", ref)
		var err error
		if digest, err = p.Images.Push(ctx, ref, p.Progress.Output(s.Name)); err != nil {
			return "", fmt.Errorf("pushing %s: %w", ref, err)
		}
	}
	// Any image with these inputs may hold the key's tag; only a missing
	// one is added.
	if errs[1] != nil {
		p.Progress.Stepf(s.Name, "adding the missing tag %s", tags.Key)
		if err := p.Registry.Tag(ctx, ref, tags.Key); err != nil {
			return "", fmt.Errorf("tagging %s with its cache key: %w", ref, err)
		}
	}
	if len(refs) == 3 && (errs[2] != nil || digests[2] != digest) {
		p.Progress.Stepf(s.Name, "pointing %s at %s", tags.Branch, image.Cut(ref).Tag())
		return digest, p.pushName(ctx, ref, tags.Branch)
	}
	return digest, nil
}

// tags are the tags a finished run leaves for the commit's image.
func (p *Pipeline) tags(res gitsync.Result, in cachekey.Inputs) image.Tags {
	return image.NewTags(res.Commit, in.Key(), res.Name, res.Kind == gitsync.Commit)
}

// tagRefs are the references a finished run leaves for the commit's image
// ref: <sha>, the key's tag and the branch or git tag name, if any.
func tagRefs(ref string, tags image.Tags) []string {
	repo := image.Cut(ref)
	refs := make([]string, 0, 3)
	for _, t := range tags.Image() {
		refs = append(refs, repo.WithTag(t).String())
	}
	return refs
}

// lookup asks the registry for the digests of refs, all at once.
func (p *Pipeline) lookup(ctx context.Context, refs []string) ([]string, []error) {
	digests, errs := make([]string, len(refs)), make([]error, len(refs))
	var wg sync.WaitGroup
	for i, r := range refs {
		wg.Go(func() { digests[i], errs[i] = p.Registry.Digest(ctx, r) })
	}
	wg.Wait()
	return digests, errs
}
