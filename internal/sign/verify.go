package sign

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/x-platform/x-platform/internal/image"
)

// Status is what was found for an image: a valid signature (or
// attestation) by the key, none at all, only ones that do not verify, or
// (for provenance) only valid ones that describe another image.
type Status string

// The statuses of a check.
const (
	OK      Status = "ok"
	Missing Status = "missing"
	Invalid Status = "invalid"
	// Mismatch is provenance by the key for this digest that names
	// another repository, service or commit, or a preview's build where a
	// preview's is not taken.
	Mismatch Status = "mismatch"
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

// Verify checks the signature of the image ref at digest, and that a
// provenance attestation by the key says it is want's build (see
// Expected). The error is for a registry that could not be asked; what
// was found, good or bad, is in the Result.
func (v *Verifier) Verify(ctx context.Context, ref image.Ref, digest string, want Expected) (Result, error) {
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
	var problem string
	r.Attestation, problem, err = v.provenance(ctx, d, want)
	if err != nil {
		return r, fmt.Errorf("looking for attestations of %s: %w", d, err)
	}
	switch {
	case r.Attestation == Mismatch:
		problems = append(problems, problem)
	case r.Attestation != OK:
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

// ProvenanceError is a signed image without provenance by the key that
// says it is the build expected.
type ProvenanceError struct {
	Image  string
	Status Status
	// Problem is, for a Mismatch, what the provenance says instead.
	Problem string
}

func (e *ProvenanceError) Error() string {
	switch e.Status {
	case Missing:
		return fmt.Sprintf("image %s has no provenance attestation: a signature alone does not say which service and commit it was built for", e.Image)
	case Invalid:
		return fmt.Sprintf("image %s has no provenance attestation valid for the configured key and this digest", e.Image)
	}
	return e.Problem
}

// Refused says whether err is an image that failed a check (an
// *UnsignedError or a *ProvenanceError), not a registry that could not be
// asked.
func Refused(err error) bool {
	var ue *UnsignedError
	var pe *ProvenanceError
	return errors.As(err, &ue) || errors.As(err, &pe)
}

// CheckSignature returns nil when the image ref at digest carries a valid
// signature by the key, an *UnsignedError when it does not.
func (v *Verifier) CheckSignature(ctx context.Context, ref image.Ref, digest string) error {
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

// Check returns nil when the image ref at digest carries a valid
// signature by the key and provenance by the key saying it is want's
// build; an *UnsignedError or a *ProvenanceError when it does not.
func (v *Verifier) Check(ctx context.Context, ref image.Ref, digest string, want Expected) error {
	if err := v.CheckSignature(ctx, ref, digest); err != nil {
		return err
	}
	d, err := digestRef(v.reg, ref, digest)
	if err != nil {
		return err
	}
	st, problem, err := v.provenance(ctx, d, want)
	if err != nil {
		return fmt.Errorf("looking for attestations of %s: %w", d, err)
	}
	if st != OK {
		return &ProvenanceError{Image: d.String(), Status: st, Problem: problem}
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

// provenance says whether d has an SLSA v1 provenance attestation by the
// key that says it is want's build; for a Mismatch, problem says what the
// closest one says instead.
func (v *Verifier) provenance(ctx context.Context, d name.Digest, want Expected) (st Status, problem string, err error) {
	a, err := v.attestations(ctx, d)
	if err != nil {
		return "", "", err
	}
	st, problem = a.provenance(d, want)
	return st, problem, nil
}

// attested is what d's attestations by the key say: their status, and the
// in-toto statements of those that verified.
type attested struct {
	status     Status
	statements [][]byte
}

// provenance is what a's SLSA v1 provenance says of d, as
// Verifier.provenance tells it.
func (a attested) provenance(d name.Digest, want Expected) (Status, string) {
	if a.status != OK {
		return a.status, ""
	}
	var all []Claims
	for _, body := range a.statements {
		if c, ok := parseStatement(body); ok {
			all = append(all, c)
		}
	}
	if len(all) == 0 {
		return Missing, ""
	}
	repo := d.Repository.String()
	for _, c := range all {
		if want.mismatch(repo, d.DigestStr(), c) == "" {
			return OK, ""
		}
	}
	return Mismatch, want.mismatch(repo, d.DigestStr(), want.closest(all))
}

// attestations reads d's attestations, once, and checks them against the
// key; the status is OK when at least one verified.
func (v *Verifier) attestations(ctx context.Context, d name.Digest) (attested, error) {
	co := v.checkOpts(ctx)
	co.ClaimVerifier = cosign.IntotoSubjectClaimVerifier
	tag, err := ociremote.AttestationTag(d, co.RegistryClientOpts...)
	if err != nil {
		return attested{}, err
	}
	atts, err := ociremote.Signatures(tag, co.RegistryClientOpts...)
	if err != nil {
		return attested{}, err
	}
	found, err := atts.Get()
	if err != nil {
		return attested{}, err
	}
	if len(found) == 0 {
		return attested{status: Missing}, nil
	}
	h, err := v1.NewHash(d.DigestStr())
	if err != nil {
		return attested{}, err
	}
	checked, _, err := cosign.VerifyImageAttestation(ctx, atts, h, co)
	var bad *cosign.ErrNoMatchingAttestations
	switch {
	case errors.As(err, &bad):
		return attested{status: Invalid}, nil
	case err != nil:
		return attested{}, err
	}
	out := attested{status: OK}
	for _, att := range checked {
		raw, err := att.Payload()
		if err != nil {
			continue
		}
		if body, ok := statementOf(raw); ok {
			out.statements = append(out.statements, body)
		}
	}
	return out, nil
}
