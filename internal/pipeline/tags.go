package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/x-platform/x-platform/internal/image"
)

// completeTags makes sure the registry holds what a finished run leaves
// for the commit's image: the <sha> tag (pushing the local image when the
// registry lacks it and local says the engine has one), its key's tag and
// the branch or git tag name. A run cut short after the <sha> push left
// the others out, and a rerun finds the image present; tagging by digest
// moves no layers. It returns the <sha> tag's digest. The three look-ups
// go out at once: a no-op run makes them for every service.
func (j *job) completeTags(ctx context.Context, local bool) (string, error) {
	refs := j.tagRefs()
	digests, errs := j.lookup(ctx, refs)
	for _, err := range errs {
		if err != nil && !errors.Is(err, image.ErrNotFound) {
			return "", err
		}
	}
	digest := digests[0]
	if errs[0] != nil && !local {
		// Found a moment ago; something (a cleanup) deleted it since.
		return "", fmt.Errorf("%s left the registry while this run took it: run the build again", j.ref)
	}
	if errs[0] != nil {
		j.Progress.Stepf(j.s.Name, "image present but not in the registry: pushing %s", j.ref)
		var err error
		if digest, err = j.Images.Push(ctx, j.image(), j.Progress.Output(j.s.Name)); err != nil {
			return "", err
		}
	}
	// Any image with these inputs may hold the key's tag; only a missing
	// one is added.
	if errs[1] != nil {
		j.Progress.Stepf(j.s.Name, "adding the missing tag %s", j.tags.Key)
		if err := j.Registry.Tag(ctx, j.ref, j.tags.Key); err != nil {
			return "", err
		}
	}
	if len(refs) == 3 && (errs[2] != nil || digests[2] != digest) {
		j.Progress.Stepf(j.s.Name, "pointing %s at %s", j.tags.Branch, j.ref.Tag())
		return digest, j.pushName(ctx)
	}
	return digest, nil
}

// tagRefs are the references a finished run leaves for the image: <sha>,
// the key's tag and the branch or git tag name, if any; a folder's image
// has its dirty- tag only.
func (j *job) tagRefs() []image.Ref {
	if j.folder != "" {
		return []image.Ref{j.ref}
	}
	refs := make([]image.Ref, 0, 3)
	for _, t := range j.tags.Image() {
		refs = append(refs, j.ref.WithTag(t))
	}
	return refs
}

// lookup asks the registry for the digests of refs, all at once.
func (j *job) lookup(ctx context.Context, refs []image.Ref) ([]string, []error) {
	digests, errs := make([]string, len(refs)), make([]error, len(refs))
	var wg sync.WaitGroup
	for i, r := range refs {
		wg.Go(func() { digests[i], errs[i] = j.Registry.Digest(ctx, r) })
	}
	wg.Wait()
	return digests, errs
}
