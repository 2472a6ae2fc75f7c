package sign_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/sbom"
	"github.com/x-platform/x-platform/internal/sign"
	"github.com/x-platform/x-platform/internal/testenv"
)

// countingMaker counts the images it lists.
type countingMaker struct {
	sbom.SPDXMaker
	scans atomic.Int32
}

func (c *countingMaker) SBOM(ctx context.Context, img v1.Image, repo, digest string) (json.RawMessage, error) {
	c.scans.Add(1)
	return c.SPDXMaker.SBOM(ctx, img, repo, digest)
}

// pushFiles pushes a one-layer image of files (path → content) to ref and
// returns its digest.
func pushFiles(t *testing.T, ref string, files map[string]string) string {
	t.Helper()
	var entries []testenv.File
	for _, p := range slices.Sorted(maps.Keys(files)) {
		entries = append(entries, testenv.File{Name: p, Body: files[p]})
	}
	return testenv.WriteImage(t, ref, testenv.Image(t, testenv.Layer(t, entries...)))
}

// Sign attaches the image's SPDX SBOM beside its provenance; the cosign
// CLI verifies it as spdxjson, Verifier.SBOM reads it back, and signing
// again lists nothing again.
func TestIntegrationSignAttachesSBOM(t *testing.T) {
	t.Parallel()
	reg := image.NewRegistry()
	repo := testenv.Registry(t) + "/" + testenv.UniqueName(t, "sbom")
	digest := pushFiles(t, repo+":v1", map[string]string{
		"etc/os-release":      "ID=debian\nVERSION_ID=12\n",
		"var/lib/dpkg/status": "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: amd64\n",
	})
	k := newKeys(t, reg, "pw")
	maker := &countingMaker{SPDXMaker: sbom.SPDXMaker{Tool: "x-platform-test"}}
	signer := k.signer.WithSBOM(maker)
	ctx := t.Context()
	if err := signer.Sign(ctx, image.Cut(repo+":v1"), digest, provenance()); err != nil {
		t.Fatal(err)
	}
	img := repo + "@" + digest
	out, err := testenv.Cosign(t, k.dir, "", "verify-attestation", "--key", k.pub, "--type", "spdxjson",
		"--insecure-ignore-tlog=true", "--allow-http-registry=true", img)
	if err != nil {
		t.Fatalf("cosign verify-attestation --type spdxjson: %v\n%s", err, out)
	}
	sts := statementsIn(out)
	if len(sts) != 1 || !strings.Contains(sts[0], `"predicateType":"https://spdx.dev/Document"`) ||
		!strings.Contains(sts[0], `"referenceLocator":"pkg:deb/debian/libc6@2.36-9?arch=amd64\u0026distro=debian-12"`) {
		t.Errorf("cosign verify-attestation --type spdxjson printed no SPDX statement listing libc6:\n%s", out)
	}
	if out, err := testenv.Cosign(t, k.dir, "", "verify-attestation", "--key", k.pub, "--type", "slsaprovenance1",
		"--insecure-ignore-tlog=true", "--allow-http-registry=true", img); err != nil {
		t.Errorf("cosign verify-attestation of the provenance beside the SBOM: %v\n%s", err, out)
	}
	doc, err := k.verifier.SBOM(ctx, image.Cut(repo+":v1"), digest, sbom.PredicateType)
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := sbom.Contents(doc)
	if err != nil || len(pkgs) != 1 || pkgs[0].Name != "libc6" || pkgs[0].Source != "/var/lib/dpkg/status" {
		t.Errorf("Verifier.SBOM: %+v, %v; want libc6 from /var/lib/dpkg/status", pkgs, err)
	}
	// The provenance still verifies for its build beside the SBOM.
	if err := k.verifier.Check(ctx, image.Cut(repo+":v1"), digest, expected()); err != nil {
		t.Errorf("Check beside the SBOM: %v", err)
	}

	// Again: the SBOM is there, nothing is listed or added.
	if err := signer.Sign(ctx, image.Cut(repo+":v1"), digest, provenance()); err != nil {
		t.Fatal(err)
	}
	if n := maker.scans.Load(); n != 1 {
		t.Errorf("the image was listed %d times, want once", n)
	}
	if a := layers(t, repo+":"+cosignTag(digest, "att")); a != 2 {
		t.Errorf("%d attestations after signing twice, want 2 (provenance and SBOM)", a)
	}
	// Another key's SBOM is not ours.
	other := newKeys(t, reg, "")
	if _, err := other.verifier.SBOM(ctx, image.Cut(repo+":v1"), digest, sbom.PredicateType); !errors.Is(err, sign.ErrNoSBOM) {
		t.Errorf("SBOM with another key: %v, want ErrNoSBOM", err)
	}
}

// An image whose lock file cannot be read gets nothing: no signature, no
// provenance, no SBOM; the error names the file and is the user's to fix.
func TestIntegrationSignBadImageWritesNothing(t *testing.T) {
	t.Parallel()
	reg := image.NewRegistry()
	repo := testenv.Registry(t) + "/" + testenv.UniqueName(t, "bad")
	digest := pushFiles(t, repo+":v1", map[string]string{"srv/package-lock.json": "{not json"})
	k := newKeys(t, reg, "pw")
	err := k.signer.WithSBOM(sbom.SPDXMaker{Tool: "x-platform-test"}).Sign(t.Context(), image.Cut(repo+":v1"), digest, provenance())
	var fe *sbom.FileError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "/srv/package-lock.json: not a package-lock.json") {
		t.Fatalf("Sign of an image with a broken lock file: %v, want a FileError naming it", err)
	}
	for _, kind := range []string{"sig", "att"} {
		ref, _ := name.ParseReference(repo + ":" + cosignTag(digest, kind))
		if _, err := remote.Head(ref, remote.WithContext(t.Context())); err == nil {
			t.Errorf("%s was written for an image that could not be listed", ref)
		}
	}
}
