package sign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/in-toto/in-toto-golang/in_toto"
	slsacommon "github.com/in-toto/in-toto-golang/in_toto/slsa_provenance/common"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"

	"github.com/x-platform/x-platform/internal/image"
)

// Cataloger makes an image's software bill of materials.
type Cataloger interface {
	// SBOM is the document of img, the image repo@digest: the predicate
	// of its attestation.
	SBOM(ctx context.Context, img v1.Image, repo, digest string) (json.RawMessage, error)
	// PredicateType names the document's format in the attestation.
	PredicateType() string
}

// WithSBOM returns a Signer that also attaches each image's SBOM, made by
// c, unless one of c's predicate type by the key is already there.
func (s *Signer) WithSBOM(c Cataloger) *Signer {
	out := *s
	out.catalog = c
	return &out
}

// inventory is d's SBOM, read from the registry.
func (s *Signer) inventory(ctx context.Context, d name.Digest, opts []ociremote.Option) ([]byte, error) {
	img, err := ociremote.SignedImage(d, opts...)
	if err != nil {
		return nil, fmt.Errorf("reading %s for its SBOM: %w", d, err)
	}
	doc, err := s.catalog.SBOM(ctx, img, d.Repository.String(), d.DigestStr())
	if err != nil {
		return nil, fmt.Errorf("making the SBOM of %s: %w", d, err)
	}
	return sbomStatement(d, s.catalog.PredicateType(), doc)
}

// sbomStatement is the in-toto statement of d with predicate doc.
func sbomStatement(d name.Digest, predicateType string, doc json.RawMessage) ([]byte, error) {
	algo, hex, _ := strings.Cut(d.DigestStr(), ":")
	st := in_toto.Statement{
		StatementHeader: in_toto.StatementHeader{
			Type:          in_toto.StatementInTotoV01,
			PredicateType: predicateType,
			Subject:       []in_toto.Subject{{Name: d.Repository.String(), Digest: slsacommon.DigestSet{algo: hex}}},
		},
		Predicate: doc,
	}
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encoding the SBOM statement: %w", err)
	}
	return b, nil
}

// has says whether one of a's verified statements is of predicateType.
func (a attested) has(predicateType string) bool {
	_, ok := a.predicate(predicateType)
	return ok
}

// predicate is the predicate of the last of a's verified statements of
// predicateType.
func (a attested) predicate(predicateType string) (json.RawMessage, bool) {
	var out json.RawMessage
	for _, body := range a.statements {
		var st struct {
			PredicateType string          `json:"predicateType"`
			Predicate     json.RawMessage `json:"predicate"`
		}
		if json.Unmarshal(body, &st) == nil && st.PredicateType == predicateType && len(st.Predicate) > 0 {
			out = st.Predicate
		}
	}
	return out, out != nil
}

// ErrNoSBOM is an image without an SBOM attestation valid for the key.
var ErrNoSBOM = errors.New("no SBOM attestation")

// SBOM is the predicate, of predicateType, of an attestation of the image
// ref at digest that verifies with the key; an error wrapping ErrNoSBOM
// when there is none.
func (v *Verifier) SBOM(ctx context.Context, ref image.Ref, digest, predicateType string) (json.RawMessage, error) {
	d, err := digestRef(v.reg, ref, digest)
	if err != nil {
		return nil, err
	}
	a, err := v.attestations(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("looking for attestations of %s: %w", d, err)
	}
	doc, ok := a.predicate(predicateType)
	switch {
	case a.status == Invalid:
		return nil, fmt.Errorf("image %s: %w valid for the configured key (its attestations do not verify)", d, ErrNoSBOM)
	case !ok:
		return nil, fmt.Errorf("image %s has %w: build it with signing.key set to attach one", d, ErrNoSBOM)
	}
	return doc, nil
}
