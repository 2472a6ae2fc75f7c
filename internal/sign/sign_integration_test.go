package sign_test

import (
	"os"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/sign"
	"github.com/x-platform/x-platform/internal/testenv"
)

// keys is a key pair on disk, loaded.
type keys struct {
	dir, key, pub string
	signer        *sign.Signer
	verifier      *sign.Verifier
}

func newKeys(t *testing.T, reg sign.Registry, password string) keys {
	t.Helper()
	k := keys{dir: t.TempDir()}
	k.key, k.pub = writeKeyPair(t, k.dir, password)
	env := sanitizeEnv("XP_TEST_PASS_" + testenv.UniqueName(t, "k"))
	os.Setenv(env, password)
	sv, err := sign.LoadPrivateKey(k.key, env)
	if err != nil {
		t.Fatal(err)
	}
	if k.signer, err = sign.NewSigner(sv, reg, "test"); err != nil {
		t.Fatal(err)
	}
	v, err := sign.LoadPublicKey(k.pub)
	if err != nil {
		t.Fatal(err)
	}
	k.verifier = sign.NewVerifier(v, reg)
	return k
}

func sanitizeEnv(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

func provenance() sign.Provenance {
	return sign.Provenance{Service: "zbackend", Repo: "file:///srv/git/zbackend.git", Reference: "main",
		Commit: "0123456789abcdef0123456789abcdef01234567", Builder: "busybox", BuilderDigest: "sha256:" + repeat("b", 64),
		Key: repeat("c", 64), KeyParts: map[string]string{"io.x-platform.key.tree": "abc"}}
}

// expected is what provenance() says of the image it is signed for.
func expected() sign.Expected {
	return sign.Expected{Service: "zbackend", Commit: provenance().Commit}
}

func TestIntegrationSignVerify(t *testing.T) {
	t.Parallel()
	reg := image.NewRegistry()
	repo := testenv.Registry(t) + "/" + testenv.UniqueName(t, "signed")
	digest := testenv.PushRandomImage(t, repo+":v1")
	ours := newKeys(t, reg, "pw")
	theirs := newKeys(t, reg, "")
	ctx := t.Context()

	before, err := ours.verifier.Verify(ctx, image.Cut(repo+":v1"), digest, expected())
	if err != nil {
		t.Fatal(err)
	}
	if before.Signature != sign.Missing || before.Attestation != sign.Missing {
		t.Fatalf("before signing: %+v, want both missing", before)
	}
	if err := ours.verifier.CheckSignature(ctx, image.Cut(repo+":v1"), digest); err == nil {
		t.Fatal("CheckSignature passed an unsigned image")
	}

	if err := ours.signer.Sign(ctx, image.Cut(repo+":v1"), digest, provenance()); err != nil {
		t.Fatal(err)
	}
	got, err := ours.verifier.Verify(ctx, image.Cut(repo+":v1"), digest, expected())
	if err != nil {
		t.Fatal(err)
	}
	if !got.OK() || got.Image != repo+"@"+digest {
		t.Fatalf("after signing: %+v, want both ok for %s@%s", got, repo, digest)
	}
	if err := ours.verifier.CheckSignature(ctx, image.Cut(repo+":v1"), digest); err != nil {
		t.Fatal(err)
	}

	// Signing again adds nothing.
	sigTag, attTag := repo+":"+cosignTag(digest, "sig"), repo+":"+cosignTag(digest, "att")
	sigsBefore, attsBefore := layers(t, sigTag), layers(t, attTag)
	if err := ours.signer.Sign(ctx, image.Cut(repo+":v1"), digest, provenance()); err != nil {
		t.Fatal(err)
	}
	if s, a := layers(t, sigTag), layers(t, attTag); s != sigsBefore || a != attsBefore || s != 1 || a != 1 {
		t.Errorf("after signing twice: %d signatures, %d attestations; want 1 and 1", s, a)
	}

	// Another key's verifier finds signatures, none of them its own.
	other, err := theirs.verifier.Verify(ctx, image.Cut(repo+":v1"), digest, expected())
	if err != nil {
		t.Fatal(err)
	}
	if other.Signature != sign.Invalid || other.Attestation != sign.Invalid {
		t.Errorf("checked with another key: %+v, want both invalid", other)
	}
}

func TestIntegrationVerifyTampered(t *testing.T) {
	t.Parallel()
	reg := image.NewRegistry()
	repo := testenv.Registry(t) + "/" + testenv.UniqueName(t, "tampered")
	signed := testenv.PushRandomImage(t, repo+":v1")
	ours := newKeys(t, reg, "pw")
	theirs := newKeys(t, reg, "pw2")
	ctx := t.Context()
	if err := ours.signer.Sign(ctx, image.Cut(repo+":v1"), signed, provenance()); err != nil {
		t.Fatal(err)
	}

	t.Run("tag moved to another image", func(t *testing.T) {
		moved := testenv.PushRandomImage(t, repo+":v1")
		got, err := ours.verifier.Verify(ctx, image.Cut(repo+":v1"), moved, expected())
		if err != nil {
			t.Fatal(err)
		}
		if got.Signature != sign.Missing || got.OK() {
			t.Errorf("moved tag: %+v, want the signature missing", got)
		}
	})

	t.Run("signature copied to another image", func(t *testing.T) {
		other := testenv.PushRandomImage(t, repo+":v2")
		for _, kind := range []string{"sig", "att"} {
			copyTag(t, repo+":"+cosignTag(signed, kind), repo+":"+cosignTag(other, kind))
		}
		got, err := ours.verifier.Verify(ctx, image.Cut(repo+":v2"), other, expected())
		if err != nil {
			t.Fatal(err)
		}
		if got.Signature != sign.Invalid || got.Attestation != sign.Invalid {
			t.Errorf("copied signature: %+v, want both invalid", got)
		}
		if err := ours.verifier.CheckSignature(ctx, image.Cut(repo+":v2"), other); err == nil {
			t.Error("CheckSignature passed a signature made for another digest")
		}
	})

	t.Run("signed by another key", func(t *testing.T) {
		third := testenv.PushRandomImage(t, repo+":v3")
		if err := theirs.signer.Sign(ctx, image.Cut(repo+":v3"), third, provenance()); err != nil {
			t.Fatal(err)
		}
		got, err := ours.verifier.Verify(ctx, image.Cut(repo+":v3"), third, expected())
		if err != nil {
			t.Fatal(err)
		}
		if got.Signature != sign.Invalid || got.Attestation != sign.Invalid {
			t.Errorf("another key's signature: %+v, want both invalid", got)
		}
		// Our signer adds its own next to theirs.
		if err := ours.signer.Sign(ctx, image.Cut(repo+":v3"), third, provenance()); err != nil {
			t.Fatal(err)
		}
		if got, err := ours.verifier.Verify(ctx, image.Cut(repo+":v3"), third, expected()); err != nil || !got.OK() {
			t.Errorf("after our signing: %+v, %v; want both ok", got, err)
		}
		if n := layers(t, repo+":"+cosignTag(third, "sig")); n != 2 {
			t.Errorf("%d signatures, want theirs and ours", n)
		}
	})
}

// cosignTag is where cosign keeps a digest's signatures (sig) or
// attestations (att).
func cosignTag(digest, kind string) string {
	return "sha256-" + digest[len("sha256:"):] + "." + kind
}

func layers(t *testing.T, ref string) int {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(r, remote.WithContext(t.Context()))
	if err != nil {
		t.Fatalf("reading %s: %v", ref, err)
	}
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	return len(ls)
}

func copyTag(t *testing.T, src, dst string) {
	t.Helper()
	from, err := name.ParseReference(src)
	if err != nil {
		t.Fatal(err)
	}
	to, err := name.NewTag(dst)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Get(from, remote.WithContext(t.Context()))
	if err != nil {
		t.Fatalf("reading %s: %v", src, err)
	}
	if err := remote.Tag(to, desc, remote.WithContext(t.Context())); err != nil {
		t.Fatalf("tagging %s: %v", dst, err)
	}
}
