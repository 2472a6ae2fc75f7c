package sign_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/sign"
	"github.com/x-platform/x-platform/internal/testenv"
)

// The cosign CLI accepts what Signer writes.
func TestIntegrationCosignVerifiesOurs(t *testing.T) {
	t.Parallel()
	reg := image.NewRegistry()
	repo := testenv.Registry(t) + "/" + testenv.UniqueName(t, "ours")
	digest := testenv.PushRandomImage(t, repo+":v1")
	k := newKeys(t, reg, "pw")
	if err := k.signer.Sign(t.Context(), image.Cut(repo+":v1"), digest, provenance()); err != nil {
		t.Fatal(err)
	}
	img := repo + "@" + digest
	out, err := testenv.Cosign(t, k.dir, "", "verify", "--key", k.pub,
		"--insecure-ignore-tlog=true", "--allow-http-registry=true", img)
	if err != nil {
		t.Fatalf("cosign verify: %v\n%s", err, out)
	}
	if !strings.Contains(out, digest) {
		t.Errorf("cosign verify printed no payload naming %s:\n%s", digest, out)
	}
	// A second provenance, a preview's build of another commit, sits beside
	// the first; cosign checks both.
	preview := provenance()
	preview.Commit, preview.Preview = "89abcdef0123456789abcdef0123456789abcdef", "feature/x"
	if err := k.signer.Sign(t.Context(), image.Cut(repo+":v1"), digest, preview); err != nil {
		t.Fatal(err)
	}
	out, err = testenv.Cosign(t, k.dir, "", "verify-attestation", "--key", k.pub, "--type", "slsaprovenance1",
		"--insecure-ignore-tlog=true", "--allow-http-registry=true", img)
	if err != nil {
		t.Fatalf("cosign verify-attestation: %v\n%s", err, out)
	}
	sts := statementsIn(out)
	if len(sts) != 2 || !strings.Contains(sts[0]+sts[1], `"preview":"feature/x"`) {
		t.Errorf("cosign verify-attestation printed %d statements, want ours and the preview's:\n%s", len(sts), out)
	}
	for _, st := range sts {
		if !strings.Contains(st, `"predicateType":"https://slsa.dev/provenance/v1"`) || !strings.Contains(st, digest[len("sha256:"):]) {
			t.Errorf("cosign verify-attestation printed no SLSA v1 statement about %s:\n%s", digest, out)
		}
	}

	// And it refuses them with another key, so the checks above mean something.
	other := newKeys(t, reg, "")
	if out, err := testenv.Cosign(t, other.dir, "", "verify", "--key", other.pub,
		"--insecure-ignore-tlog=true", "--allow-http-registry=true", img); err == nil {
		t.Errorf("cosign verify accepted our signature with another key:\n%s", out)
	}
}

// Verifier accepts what the cosign CLI signs, with a key pair the CLI made.
func TestIntegrationWeVerifyCosigns(t *testing.T) {
	t.Parallel()
	reg := image.NewRegistry()
	repo := testenv.Registry(t) + "/" + testenv.UniqueName(t, "theirs")
	digest := testenv.PushRandomImage(t, repo+":v1")
	dir := t.TempDir()
	if out, err := testenv.Cosign(t, dir, "cli-pw", "generate-key-pair"); err != nil {
		t.Fatalf("cosign generate-key-pair: %v\n%s", err, out)
	}
	img := repo + "@" + digest
	if out, err := testenv.Cosign(t, dir, "cli-pw", "sign", "--key", "cosign.key", "--tlog-upload=false",
		"--allow-http-registry=true", "--yes", img); err != nil {
		t.Fatalf("cosign sign: %v\n%s", err, out)
	}

	// Our loader reads the CLI's key format, and signs with it too.
	env := sanitizeEnv("XP_TEST_PASS_" + testenv.UniqueName(t, "cli"))
	os.Setenv(env, "cli-pw")
	sv, err := sign.LoadPrivateKey(filepath.Join(dir, "cosign.key"), env)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := sign.LoadPublicKey(filepath.Join(dir, "cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	v := sign.NewVerifier(pub, reg)
	if err := v.CheckSignature(t.Context(), image.Cut(repo+":v1"), digest); err != nil {
		t.Fatalf("the CLI's signature: %v", err)
	}
	got, err := v.Verify(t.Context(), image.Cut(repo+":v1"), digest, expected())
	if err != nil {
		t.Fatal(err)
	}
	if got.Signature != sign.OK || got.Attestation != sign.Missing {
		t.Errorf("after cosign sign: %+v, want the signature ok and no provenance", got)
	}
	// A signature alone does not say which service and commit it is.
	var pe *sign.ProvenanceError
	if err := v.Check(t.Context(), image.Cut(repo+":v1"), digest, expected()); !errors.As(err, &pe) || pe.Status != sign.Missing {
		t.Errorf("Check of an image with a signature alone: %v, want its provenance missing", err)
	}
	signer, err := sign.NewSigner(sv, reg, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := signer.Sign(t.Context(), image.Cut(repo+":v1"), digest, provenance()); err != nil {
		t.Fatal(err)
	}
	if got, err := v.Verify(t.Context(), image.Cut(repo+":v1"), digest, expected()); err != nil || !got.OK() {
		t.Errorf("after our signing with the CLI's key: %+v, %v; want both ok", got, err)
	}
	if err := v.Check(t.Context(), image.Cut(repo+":v1"), digest, expected()); err != nil {
		t.Errorf("Check after our signing with the CLI's key: %v", err)
	}
	if n := layers(t, repo+":"+cosignTag(digest, "sig")); n != 1 {
		t.Errorf("%d signatures, want the CLI's alone (ours would be a duplicate)", n)
	}
}

// statementsIn decodes the statements of the DSSE envelopes that cosign
// verify-attestation printed.
func statementsIn(out string) []string {
	var sts []string
	for _, line := range strings.Split(out, "\n") {
		var env struct {
			Payload string `json:"payload"`
		}
		if json.Unmarshal([]byte(line), &env) != nil || env.Payload == "" {
			continue
		}
		if b, err := base64.StdEncoding.DecodeString(env.Payload); err == nil {
			sts = append(sts, string(b))
		}
	}
	return sts
}
