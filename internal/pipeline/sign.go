package pipeline

import (
	"context"
	"fmt"

	"github.com/x-platform/x-platform/internal/cachekey"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/redact"
)

// Signer signs a service's image, and attaches its provenance, once the
// image is final in the registry. Signing what is already signed by the
// same key adds nothing.
type Signer interface {
	Sign(ctx context.Context, ref image.Ref, digest string, prov Provenance) error
	// Identity names the key, so that a record of finished tags made
	// without signing (or with another key) is not taken as signed.
	Identity() string
}

// Provenance is what a service's image was made from.
type Provenance struct {
	Service   string
	Repo      string // the git remote, without credentials
	Path      string // git.path, "" for the whole repository
	Reference string
	Commit    string
	// Builder is the builder image as the manifest names it; BuilderDigest
	// its image ID, which the cache key covers.
	Builder, BuilderDigest string
	// Key is the cache key and KeyParts its parts, as the image's labels
	// carry them.
	Key      string
	KeyParts map[string]string
}

// signed spells the refs recorded for a finished service and adds the
// signer's identity to them, so that turning signing on (or changing the
// key) makes the next run sign images it would otherwise trust as done.
func (j *job) signed(refs []image.Ref) []string {
	out := make([]string, 0, len(refs)+1)
	for _, r := range refs {
		out = append(out, r.String())
	}
	if j.Signer == nil {
		return out
	}
	return append(out, "signed-by:"+j.Signer.Identity())
}

// sign signs the service's image at its final digest.
func (j *job) sign(ctx context.Context, digest string) error {
	if j.Signer == nil {
		return nil
	}
	if digest == "" {
		return fmt.Errorf("signing %s: the registry gave no digest for it", j.ref)
	}
	j.Progress.Stepf(j.s.Name, "signing %s", j.ref.WithDigest(digest))
	return j.Signer.Sign(ctx, j.ref, digest, j.provenance())
}

// provenance says what the image was made from: a commit, with the parts
// of its key, or a working folder, with no commit.
func (j *job) provenance() Provenance {
	s := j.s
	prov := Provenance{
		Service: s.Name, Path: s.Git.Path, Reference: j.res.Reference,
		Builder: s.DockerBuilder.Image, BuilderDigest: j.in.Builder,
	}
	if j.folder != "" {
		return prov
	}
	parts := j.in.Labels()
	delete(parts, cachekey.LabelKey)
	prov.Repo, prov.Commit, prov.Key, prov.KeyParts = redact.URL(s.Git.Remote), j.commit, j.in.Key(), parts
	return prov
}

// signBuilder signs a builder image the run pushed. Its provenance names
// the folder builders/<name> it was made from; no commit pins that folder,
// so it names no source commit.
func (b *builderImages) sign(ctx context.Context, service, name, img, digest string) error {
	p := b.r
	if p.Signer == nil {
		return nil
	}
	if digest == "" {
		return fmt.Errorf("signing %s: the registry gave no digest for it", img)
	}
	p.Progress.Stepf(service, "signing %s", image.Cut(img).WithDigest(digest))
	return p.Signer.Sign(ctx, image.Cut(img), digest, Provenance{Service: "builders/" + name, Path: "builders/" + name})
}
