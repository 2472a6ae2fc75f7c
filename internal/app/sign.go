package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/pipeline"
	"github.com/x-platform/x-platform/internal/sign"
	"github.com/x-platform/x-platform/internal/ui"
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
	return pipelineSigner{s}, nil
}

// pipelineSigner hands the pipeline's provenance to the signer.
type pipelineSigner struct{ *sign.Signer }

var _ pipeline.Signer = pipelineSigner{}

func (s pipelineSigner) Sign(ctx context.Context, ref, digest string, prov pipeline.Provenance) error {
	return s.Signer.Sign(ctx, ref, digest, sign.Provenance(prov))
}

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
	fmt.Fprintf(&b, "environment %s requires signed images:", e.Env)
	for _, u := range e.Unsigned {
		fmt.Fprintf(&b, "\n  %s: %v", u.Service, u.Err)
	}
	b.WriteString("\nsign them by building with signing.key set in " + manifest.FileName + " (see x-platform verify)")
	return b.String()
}

// results are the refused services, for a deploy report.
func (e *UnsignedImagesError) results() []ui.ServiceResult {
	out := make([]ui.ServiceResult, len(e.Unsigned))
	for i, u := range e.Unsigned {
		out[i] = ui.ServiceResult{Name: u.Service, Image: u.Image, Action: ui.ActionFailed, Error: u.Err.Error()}
	}
	return out
}

// signatureCheck refuses the images that lack a valid signature by the
// manifest's key; the environment runs it on every image of a deploy or
// rollback once their digests are final, before anything is applied or
// recorded.
func signatureCheck(m *manifest.Manifest, env string, reg *image.Registry) (deploy.Check, error) {
	v, err := newVerifier(m, reg)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, versions []deploy.Version) error {
		var unsigned []UnsignedImage
		for _, s := range versions {
			err := v.CheckSignature(ctx, s.Image, s.Digest)
			var ue *sign.UnsignedError
			switch {
			case errors.As(err, &ue):
				unsigned = append(unsigned, UnsignedImage{Service: s.Name, Image: s.Image, Err: err})
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
