package sign

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	slsa1 "github.com/in-toto/in-toto-golang/in_toto/slsa_provenance/v1"
	cremote "github.com/sigstore/cosign/v2/pkg/cosign/remote"
	"github.com/sigstore/cosign/v2/pkg/oci/mutate"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"
	"github.com/sigstore/cosign/v2/pkg/oci/static"
	"github.com/sigstore/cosign/v2/pkg/types"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/dsse"
	"github.com/sigstore/sigstore/pkg/signature/options"
	"github.com/sigstore/sigstore/pkg/signature/payload"

	"github.com/x-platform/x-platform/internal/image"
)

// Registry is how images are reached: the same options, trust and
// credentials as the rest of the tool's registry traffic.
type Registry interface {
	RemoteOptions(ctx context.Context) []remote.Option
	ParseReference(ref image.Ref) (name.Reference, error)
}

// Signer signs images with one key and attaches their provenance.
type Signer struct {
	key     signature.SignerVerifier
	catalog Cataloger
	reg     Registry
	version string
	id      string
}

// NewSigner returns a Signer with key, reaching registries through reg;
// version is the tool's, recorded in provenance.
func NewSigner(key signature.SignerVerifier, reg Registry, version string) (*Signer, error) {
	id, err := KeyID(key)
	if err != nil {
		return nil, &KeyError{fmt.Errorf("reading the signing key's public half: %w", err)}
	}
	return &Signer{key: key, reg: reg, version: version, id: id}, nil
}

// Identity names the key signatures are made with.
func (s *Signer) Identity() string { return s.id }

// Sign signs the image ref (tagged or not) at digest and attaches its
// provenance, and its SBOM when the Signer makes them, each unless a valid one by this key is already there, so
// that running it again adds nothing. Provenance is already there when
// one names the same repository, service and commit, and is no preview's
// unless p is: an image reused for another commit, or built for a
// preview before a release build, gets provenance of its own.
func (s *Signer) Sign(ctx context.Context, ref image.Ref, digest string, p Provenance) error {
	d, err := digestRef(s.reg, ref, digest)
	if err != nil {
		return err
	}
	v := &Verifier{key: s.key, reg: s.reg}
	opts := ociOptions(ctx, s.reg)
	sig, err := v.signature(ctx, d)
	if err != nil {
		return fmt.Errorf("looking for signatures of %s: %w", d, err)
	}
	found, err := v.attestations(ctx, d)
	if err != nil {
		return fmt.Errorf("looking for attestations of %s: %w", d, err)
	}
	// The SBOM is made before anything is written: an image whose files
	// cannot be listed is left without signature and attestations.
	var doc []byte
	if s.catalog != nil && !found.has(s.catalog.PredicateType()) {
		if doc, err = s.inventory(ctx, d, opts); err != nil {
			return err
		}
	}
	if sig != OK {
		if err := s.sign(ctx, d, opts); err != nil {
			return fmt.Errorf("signing %s: %w", d, err)
		}
	}
	if att, _ := found.provenance(d, Expected{Service: p.Service, Commit: p.Commit, Previews: p.Preview != ""}); att != OK {
		if err := s.attest(ctx, d, p, opts); err != nil {
			return fmt.Errorf("attaching the provenance of %s: %w", d, err)
		}
	}
	if doc != nil {
		if err := s.attestBody(ctx, d, s.catalog.PredicateType(), doc, opts); err != nil {
			return fmt.Errorf("attaching the SBOM of %s: %w", d, err)
		}
	}
	return nil
}

// sign writes a simple-signing signature of d, as `cosign sign --key` does.
func (s *Signer) sign(ctx context.Context, d name.Digest, opts []ociremote.Option) error {
	body, err := (&payload.Cosign{Image: d}).MarshalJSON()
	if err != nil {
		return fmt.Errorf("encoding the payload: %w", err)
	}
	raw, err := s.key.SignMessage(bytes.NewReader(body), options.WithContext(ctx))
	if err != nil {
		return err
	}
	sig, err := static.NewSignature(body, base64.StdEncoding.EncodeToString(raw))
	if err != nil {
		return err
	}
	se := ociremote.SignedUnknown(d, opts...)
	se, err = mutate.AttachSignatureToEntity(se, sig, mutate.WithDupeDetector(cremote.NewDupeDetector(s.key)))
	if err != nil {
		return err
	}
	return ociremote.WriteSignatures(d.Repository, se, opts...)
}

// attest writes the DSSE-signed provenance statement of d, as `cosign
// attest --key --type slsaprovenance1` does.
func (s *Signer) attest(ctx context.Context, d name.Digest, p Provenance, opts []ociremote.Option) error {
	st, err := Statement(d.Repository.String(), d.DigestStr(), p, s.version)
	if err != nil {
		return err
	}
	body, err := marshalStatement(st)
	if err != nil {
		return err
	}
	return s.attestBody(ctx, d, slsa1.PredicateSLSAProvenance, body, opts)
}

// attestBody writes the in-toto statement body, of predicateType, as a
// DSSE-signed attestation of d.
func (s *Signer) attestBody(ctx context.Context, d name.Digest, predicateType string, body []byte, opts []ociremote.Option) error {
	envelope, err := dsse.WrapSigner(s.key, types.IntotoPayloadType).SignMessage(bytes.NewReader(body), options.WithContext(ctx))
	if err != nil {
		return err
	}
	att, err := static.NewAttestation(envelope,
		static.WithLayerMediaType(types.DssePayloadType),
		static.WithAnnotations(map[string]string{"predicateType": predicateType}))
	if err != nil {
		return err
	}
	se := ociremote.SignedUnknown(d, opts...)
	se, err = mutate.AttachAttestationToEntity(se, att, mutate.WithDupeDetector(cremote.NewDupeDetector(s.key)))
	if err != nil {
		return err
	}
	return ociremote.WriteAttestations(d.Repository, se, opts...)
}

// digestRef is ref's repository at digest.
func digestRef(reg Registry, ref image.Ref, digest string) (name.Digest, error) {
	parsed, err := reg.ParseReference(ref)
	if err != nil {
		return name.Digest{}, err
	}
	d := parsed.Context().Digest(digest)
	if _, err := name.NewDigest(d.String()); err != nil {
		return name.Digest{}, fmt.Errorf("image digest %q of %s: %w", digest, ref, err)
	}
	return d, nil
}

func ociOptions(ctx context.Context, reg Registry) []ociremote.Option {
	return []ociremote.Option{ociremote.WithRemoteOptions(reg.RemoteOptions(ctx)...)}
}
