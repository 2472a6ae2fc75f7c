package sign_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/sign"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationProvenanceNamesTheBuild: a signature is only worth
// something for the image, service and commit it was made for. An image
// signed for one service, copied with its signature and provenance into
// another service's repository, is refused there; so is an image signed
// for another commit, or for a preview, until it is signed for what the
// release says it is.
func TestIntegrationProvenanceNamesTheBuild(t *testing.T) {
	t.Parallel()
	reg := image.NewRegistry()
	prefix := testenv.Registry(t) + "/" + testenv.UniqueName(t, "names")
	front, backend := prefix+"/zfront", prefix+"/zbackend"
	digest := testenv.PushRandomImage(t, front+":v1")
	k := newKeys(t, reg, "pw")
	ctx := t.Context()
	frontBuild := sign.Provenance{Service: "zfront", Repo: "file:///srv/git/zfront.git", Reference: "origin/feature/x",
		Commit: "89abcdef0123456789abcdef0123456789abcdef", Preview: "feature/x"}
	if err := k.signer.Sign(ctx, image.Cut(front+":v1"), digest, frontBuild); err != nil {
		t.Fatal(err)
	}
	want := expected()

	// Copied into zbackend's repository with its .sig and .att.
	copyImage(t, front+"@"+digest, backend+":"+want.Commit)
	for _, kind := range []string{"sig", "att"} {
		copyImage(t, front+":"+cosignTag(digest, kind), backend+":"+cosignTag(digest, kind))
	}
	got, err := k.verifier.Verify(ctx, image.Cut(backend+":"+want.Commit), digest, want)
	if err != nil {
		t.Fatal(err)
	}
	copied := "image " + backend + "@" + digest + " was signed as service zfront of " + front + " at commit " + frontBuild.Commit +
		" for the preview of branch feature/x, not service zbackend of " + backend + " at commit " + want.Commit
	if got.Signature != sign.OK || got.Attestation != sign.Mismatch || got.Problem != copied {
		t.Errorf("copied into another repository: %+v\nwant the signature ok, the provenance a mismatch: %s", got, copied)
	}
	err = k.verifier.Check(ctx, image.Cut(backend+":"+want.Commit), digest, want)
	var pe *sign.ProvenanceError
	if !errors.As(err, &pe) || err.Error() != copied || !sign.Refused(err) {
		t.Errorf("Check of the copy: %v, want %s", err, copied)
	}

	// In its own repository, for the preview it was built for.
	if err := k.verifier.Check(ctx, image.Cut(front+":v1"), digest, sign.Expected{Service: "zfront", Commit: frontBuild.Commit, Previews: true}); err != nil {
		t.Errorf("Check of the preview's build in a preview: %v", err)
	}
	// Not where previews are not taken, until a release build signs it.
	release := frontBuild
	release.Preview, release.Reference = "", "origin/master"
	named := sign.Expected{Service: "zfront", Commit: frontBuild.Commit}
	if err := k.verifier.Check(ctx, image.Cut(front+":v1"), digest, named); err == nil || !strings.HasSuffix(err.Error(), "for the preview of branch feature/x, which only previews take") {
		t.Errorf("Check of a preview's build: %v, want it refused as a preview's", err)
	}
	if err := k.signer.Sign(ctx, image.Cut(front+":v1"), digest, release); err != nil {
		t.Fatal(err)
	}
	if err := k.verifier.Check(ctx, image.Cut(front+":v1"), digest, named); err != nil {
		t.Errorf("Check after a release build signed it: %v", err)
	}
	if s, a := layers(t, front+":"+cosignTag(digest, "sig")), layers(t, front+":"+cosignTag(digest, "att")); s != 1 || a != 2 {
		t.Errorf("%d signatures and %d attestations, want 1 and 2 (the preview's and the release's)", s, a)
	}
	// A preview of the same commit later adds nothing: the release's
	// provenance is taken in previews too.
	if err := k.signer.Sign(ctx, image.Cut(front+":v1"), digest, frontBuild); err != nil {
		t.Fatal(err)
	}
	if a := layers(t, front+":"+cosignTag(digest, "att")); a != 2 {
		t.Errorf("%d attestations after a preview signed the release's image again, want 2", a)
	}

	// The same image reused for another commit (same inputs) is refused
	// for it until signed for it too; the first commit stays accepted.
	next := sign.Expected{Service: "zfront", Commit: "fedcba9876543210fedcba9876543210fedcba98"}
	if err := k.verifier.Check(ctx, image.Cut(front+":v1"), digest, next); err == nil || !strings.Contains(err.Error(), "not service zfront at commit "+next.Commit) {
		t.Errorf("Check for another commit: %v", err)
	}
	reused := release
	reused.Commit = next.Commit
	if err := k.signer.Sign(ctx, image.Cut(front+":v1"), digest, reused); err != nil {
		t.Fatal(err)
	}
	for _, w := range []sign.Expected{next, named} {
		if err := k.verifier.Check(ctx, image.Cut(front+":v1"), digest, w); err != nil {
			t.Errorf("Check for commit %s after both were signed: %v", w.Commit, err)
		}
	}

}

// copyImage copies the image src, with its blobs, to the tag dst, which may
// be in another repository.
func copyImage(t *testing.T, src, dst string) {
	t.Helper()
	from, err := name.ParseReference(src)
	if err != nil {
		t.Fatal(err)
	}
	to, err := name.NewTag(dst)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(from, remote.WithContext(t.Context()))
	if err != nil {
		t.Fatalf("reading %s: %v", src, err)
	}
	if err := remote.Write(to, img, remote.WithContext(t.Context())); err != nil {
		t.Fatalf("writing %s: %v", dst, err)
	}
}
