package sign

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	slsa1 "github.com/in-toto/in-toto-golang/in_toto/slsa_provenance/v1"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	"github.com/sigstore/cosign/v2/pkg/oci"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"
	"github.com/sigstore/sigstore/pkg/signature"
)

// Status is what was found for an image: a valid signature (or
// attestation) by the key, none at all, or only ones that do not verify.
type Status string

// The statuses of a check.
const (
	OK      Status = "ok"
	Missing Status = "missing"
	Invalid Status = "invalid"
)

// Result is what Verify found for one image.
type Result struct {
	// Image is the image checked, repository@digest.
	Image       string
	Signature   Status
	Attestation Status
	// Problem says why a check did not pass; "" when both did.
	Problem string
}

// OK says whether both the signature and the provenance verified.
func (r Result) OK() bool { return r.Signature == OK && r.Attestation == OK }

// Verifier checks images' signatures and provenance against one key.
type Verifier struct {
	key signature.Verifier
	reg Registry
}

// NewVerifier returns a Verifier for key, reaching registries through reg.
func NewVerifier(key signature.Verifier, reg Registry) *Verifier {
	return &Verifier{key: key, reg: reg}
}

// Verify checks the signature and the provenance attestation of the
// image ref at digest. The error is for a registry that could not be
// asked; what was found, good or bad, is in the Result.
func (v *Verifier) Verify(ctx context.Context, ref, digest string) (Result, error) {
	d, err := digestRef(v.reg, ref, digest)
	if err != nil {
		return Result{}, err
	}
	r := Result{Image: d.String()}
	var problems []string
	r.Signature, err = v.signature(ctx, d)
	if err != nil {
		return r, fmt.Errorf("looking for signatures of %s: %w", d, err)
	}
	if r.Signature != OK {
		problems = append(problems, "signature "+string(r.Signature))
	}
	r.Attestation, err = v.attestation(ctx, d)
	if err != nil {
		return r, fmt.Errorf("looking for attestations of %s: %w", d, err)
	}
	if r.Attestation != OK {
		problems = append(problems, "provenance "+string(r.Attestation))
	}
	r.Problem = strings.Join(problems, ", ")
	return r, nil
}

// UnsignedError is an image without a valid signature by the key.
type UnsignedError struct {
	Image  string
	Status Status
}

func (e *UnsignedError) Error() string {
	if e.Status == Missing {
		return fmt.Sprintf("image %s is not signed", e.Image)
	}
	return fmt.Sprintf("image %s has no valid signature by the configured key (its signatures do not verify)", e.Image)
}

// CheckSignature returns nil when the image ref at digest carries a valid
// signature by the key, an *UnsignedError when it does not.
func (v *Verifier) CheckSignature(ctx context.Context, ref, digest string) error {
	d, err := digestRef(v.reg, ref, digest)
	if err != nil {
		return err
	}
	st, err := v.signature(ctx, d)
	if err != nil {
		return fmt.Errorf("looking for signatures of %s: %w", d, err)
	}
	if st != OK {
		return &UnsignedError{Image: d.String(), Status: st}
	}
	return nil
}

func (v *Verifier) checkOpts(ctx context.Context) *cosign.CheckOpts {
	return &cosign.CheckOpts{
		SigVerifier:        v.key,
		IgnoreTlog:         true,
		IgnoreSCT:          true,
		RegistryClientOpts: ociOptions(ctx, v.reg),
	}
}

// signature says whether d has a simple-signing signature by the key that
// names d.
func (v *Verifier) signature(ctx context.Context, d name.Digest) (Status, error) {
	co := v.checkOpts(ctx)
	co.ClaimVerifier = cosign.SimpleClaimVerifier
	_, _, err := cosign.VerifyImageSignatures(ctx, d, co)
	var none *cosign.ErrNoSignaturesFound
	var bad *cosign.ErrNoMatchingSignatures
	switch {
	case err == nil:
		return OK, nil
	case errors.As(err, &none):
		return Missing, nil
	case errors.As(err, &bad):
		return Invalid, nil
	}
	return "", err
}

// attestation says whether d has an SLSA v1 provenance attestation by the
// key about d.
func (v *Verifier) attestation(ctx context.Context, d name.Digest) (Status, error) {
	co := v.checkOpts(ctx)
	co.ClaimVerifier = cosign.IntotoSubjectClaimVerifier
	tag, err := ociremote.AttestationTag(d, co.RegistryClientOpts...)
	if err != nil {
		return "", err
	}
	atts, err := ociremote.Signatures(tag, co.RegistryClientOpts...)
	if err != nil {
		return "", err
	}
	all, err := atts.Get()
	if err != nil {
		return "", err
	}
	if len(all) == 0 {
		return Missing, nil
	}
	h, err := v1.NewHash(d.DigestStr())
	if err != nil {
		return "", err
	}
	checked, _, err := cosign.VerifyImageAttestation(ctx, atts, h, co)
	var bad *cosign.ErrNoMatchingAttestations
	switch {
	case errors.As(err, &bad):
		return Invalid, nil
	case err != nil:
		return "", err
	}
	for _, att := range checked {
		if predicateType(att) == slsa1.PredicateSLSAProvenance {
			return OK, nil
		}
	}
	return Missing, nil
}

// predicateType reads the predicate type of a DSSE-enveloped statement.
func predicateType(att oci.Signature) string {
	raw, err := att.Payload()
	if err != nil {
		return ""
	}
	var env struct {
		Payload string `json:"payload"`
	}
	if json.Unmarshal(raw, &env) != nil {
		return ""
	}
	body, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return ""
	}
	var st struct {
		PredicateType string `json:"predicateType"`
	}
	if json.Unmarshal(body, &st) != nil {
		return ""
	}
	return st.PredicateType
}
