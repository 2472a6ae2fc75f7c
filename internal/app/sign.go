package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/pipeline"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/sbom"
	"github.com/x-platform/x-platform/internal/sign"
)

// newSigner loads the manifest's signing key for the images a build
// pushes; nil when the manifest signs nothing. A key that cannot be used
// is a configuration error.
func newSigner(m *manifest.Manifest, reg *image.Registry) (pipeline.Signer, error) {
	if !m.Signing.Signs() {
		return nil, nil
	}
	sv, err := sign.LoadPrivateKey(m.Signing.Key, m.Signing.PasswordEnv)
	if err != nil {
		return nil, usageError{err}
	}
	s, err := sign.NewSigner(sv, reg, Version)
	if err != nil {
		return nil, usageError{err}
	}
	return pipelineSigner{s.WithSBOM(sbom.SPDXMaker{Tool: "x-platform-" + Version})}, nil
}

// pipelineSigner hands the pipeline's provenance to the signer.
type pipelineSigner struct{ *sign.Signer }

var _ pipeline.Signer = pipelineSigner{}

// Identity names the SBOM too, so that images a build signed before it
// made SBOMs are looked at once more, and given one.
func (s pipelineSigner) Identity() string { return s.Signer.Identity() + "+sbom:spdx" }

func (s pipelineSigner) Sign(ctx context.Context, ref image.Ref, digest string, prov pipeline.Provenance) error {
	return s.Signer.Sign(ctx, ref, digest, provenanceOf(prov))
}

func provenanceOf(p pipeline.Provenance) sign.Provenance {
	return sign.Provenance{
		Service: p.Service, Repo: p.Repo, Path: p.Path, Reference: p.Reference, Commit: p.Commit,
		Builder: p.Builder, BuilderDigest: p.BuilderDigest, Key: p.Key, KeyParts: p.KeyParts,
	}
}

// previewSigner marks the provenance of the services a preview builds
// from its branch as the preview's, which only previews take: an
// unreviewed branch's build must not pass a named environment's check.
// The services built at their own references are signed as build signs
// them.
type previewSigner struct {
	pipelineSigner
	branch   string
	services map[string]bool
}

var _ pipeline.Signer = previewSigner{}

func (s previewSigner) Sign(ctx context.Context, ref image.Ref, digest string, prov pipeline.Provenance) error {
	p := provenanceOf(prov)
	if s.services[prov.Service] {
		p.Preview = s.branch
	}
	return s.Signer.Sign(ctx, ref, digest, p)
}

// Identity differs from build's, so that a build after a preview does not
// take the preview's record of finished tags for its own and signs the
// image for itself.
func (s previewSigner) Identity() string { return s.pipelineSigner.Identity() + "+preview:" + s.branch }

// newVerifier checks signatures against the manifest's public key, else
// the public half of its private key.
func newVerifier(m *manifest.Manifest, reg *image.Registry) (*sign.Verifier, error) {
	s := m.Signing
	switch {
	case s.Verifies() && s.PublicKey != "":
		v, err := sign.LoadPublicKey(s.PublicKey)
		if err != nil {
			return nil, usageError{err}
		}
		return sign.NewVerifier(v, reg), nil
	case s.Verifies():
		sv, err := sign.LoadPrivateKey(s.Key, s.PasswordEnv)
		if err != nil {
			return nil, usageError{err}
		}
		return sign.NewVerifier(sv, reg), nil
	}
	return nil, usageError{fmt.Errorf("no signing key configured: set signing.publicKey (or signing.key) in %s", manifest.FileName)}
}

// UnsignedImagesError lists the images an environment that requires
// signatures refused.
type UnsignedImagesError struct {
	Env      string
	Unsigned []UnsignedImage
}

// UnsignedImage is one service's refused image.
type UnsignedImage struct {
	Service, Image string
	Err            error
}

func (e *UnsignedImagesError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "environment %s requires signed images, with provenance naming the service and commit they are deployed as:", e.Env)
	for _, u := range e.Unsigned {
		fmt.Fprintf(&b, "\n  %s: %v", u.Service, u.Err)
	}
	b.WriteString("\nsign them by building the release's commits with signing.key set in " + manifest.FileName +
		" (x-platform build signs each image for its service and commit; a preview's builds are taken by previews only; see x-platform verify)")
	return b.String()
}

// results are the refused services, for a deploy report.
func (e *UnsignedImagesError) results() []report.ServiceResult {
	out := make([]report.ServiceResult, len(e.Unsigned))
	for i, u := range e.Unsigned {
		out[i] = report.ServiceResult{Name: u.Service, Image: u.Image, Action: report.ActionFailed, Error: u.Err.Error()}
	}
	return out
}

// signatureCheck refuses the images that lack a valid signature by the
// manifest's key, or provenance by it naming the image's repository, its
// service and the release's commit, or name a preview's build where
// previews is false; the environment runs it on every image of a deploy or
// rollback once their digests are final, before anything is applied or
// recorded.
func signatureCheck(m *manifest.Manifest, env string, previews bool, reg *image.Registry) (deploy.Check, error) {
	v, err := newVerifier(m, reg)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, versions []deploy.Version) error {
		var unsigned []UnsignedImage
		for _, s := range versions {
			err := v.Check(ctx, s.Image, s.Digest, sign.Expected{Service: s.Name, Commit: s.Commit, Previews: previews})
			switch {
			case sign.Refused(err):
				unsigned = append(unsigned, UnsignedImage{Service: s.Name, Image: s.Image.String(), Err: err})
			case err != nil:
				return fmt.Errorf("checking the signature of %s: %w", s.Name, err)
			}
		}
		if len(unsigned) > 0 {
			return &UnsignedImagesError{Env: env, Unsigned: unsigned}
		}
		return nil
	}, nil
}

// withSigner makes the build sign what it pushes when the manifest says so.
func withSigner(p *pipeline.Pipeline) error {
	reg, err := newRegistry(p.Manifest)
	if err != nil {
		return err
	}
	s, err := newSigner(p.Manifest, reg)
	if err == nil && s != nil {
		p.Signer = s
	}
	return err
}

// forPreview makes the pipeline's signer, if any, mark the provenance of
// services (built from the preview's branch) as the preview's.
func forPreview(p *pipeline.Pipeline, branch string, services []*manifest.Service) {
	ps, ok := p.Signer.(pipelineSigner)
	if !ok {
		return
	}
	names := map[string]bool{}
	for _, s := range services {
		names[s.Name] = true
	}
	p.Signer = previewSigner{pipelineSigner: ps, branch: branch, services: names}
}
