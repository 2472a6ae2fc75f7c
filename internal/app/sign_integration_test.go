package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/cosign/v2/pkg/cosign"

	xpimage "github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// writeKeyPair writes a cosign key pair encrypted with password into dir.
func writeKeyPair(t testing.TB, dir, password string) (key, pub string) {
	t.Helper()
	keys, err := cosign.GenerateKeyPair(func(bool) ([]byte, error) { return []byte(password), nil })
	if err != nil {
		t.Fatal(err)
	}
	key, pub = filepath.Join(dir, "cosign.key"), filepath.Join(dir, "cosign.pub")
	writeFile(t, key, string(keys.PrivateBytes))
	writeFile(t, pub, string(keys.PublicBytes))
	return key, pub
}

// passwordEnv sets a variable of the test's own to password and returns
// its name; tests run in parallel, so each has its own.
func passwordEnv(t testing.TB, password string) string {
	t.Helper()
	env := strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace("XP_TEST_PW_" + testenv.UniqueName(t, "k")))
	os.Setenv(env, password)
	t.Cleanup(func() { os.Unsetenv(env) })
	return env
}

// sigCount is how many signatures cosign's tag holds for digest.
func sigCount(t *testing.T, repo, digest string) int {
	t.Helper()
	ref, err := name.ParseReference(repo + ":sha256-" + strings.TrimPrefix(digest, "sha256:") + ".sig")
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref, remote.WithContext(t.Context()))
	if err != nil {
		t.Fatalf("reading %s: %v", ref, err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	return len(layers)
}

func TestIntegrationBuildSigns(t *testing.T) {
	t.Parallel()
	p := newPlatform(t, "svc")
	keyDir := t.TempDir()
	key, pub := writeKeyPair(t, keyDir, "build-pw")
	p.top = "signing: {key: " + key + ", passwordEnv: " + passwordEnv(t, "build-pw") + "}\n"
	p.writeManifest(nil)

	built := p.build(ExitOK)["svc"]
	if built.Digest == "" {
		t.Fatalf("build reported no digest: %+v", built)
	}
	repo := xpimage.Cut(built.Image).Repository()
	img := repo + "@" + built.Digest
	if out, err := testenv.Cosign(t, keyDir, "", "verify", "--key", pub,
		"--insecure-ignore-tlog=true", "--allow-http-registry=true", img); err != nil {
		t.Fatalf("cosign verify of the built image: %v\n%s", err, out)
	}
	out, err := testenv.Cosign(t, keyDir, "", "verify-attestation", "--key", pub, "--type", "slsaprovenance1",
		"--insecure-ignore-tlog=true", "--allow-http-registry=true", img)
	if err != nil {
		t.Fatalf("cosign verify-attestation of the built image: %v\n%s", err, out)
	}

	// The signature is made once: a no-op rerun and a rerun that checks
	// the registry again (no record of finished tags) add nothing.
	p.build(ExitOK)
	if err := os.RemoveAll(filepath.Join(p.root, ".x-platform", "pushed")); err != nil {
		t.Fatal(err)
	}
	p.build(ExitOK)
	if n := sigCount(t, repo, built.Digest); n != 1 {
		t.Errorf("%d signatures after three builds, want 1", n)
	}

	// verify, without a lock, checks the checkouts' images.
	code, stdout, stderr := p.runOutput(t.Context(), "json", "verify")
	var rep report.VerifyReport
	if err := json.Unmarshal([]byte(stdout), &rep); code != ExitOK || err != nil || !rep.OK || len(rep.Services) != 1 {
		t.Fatalf("verify: exit %d, %v\n%s\n%s", code, err, stdout, stderr)
	}
	if s := rep.Services[0]; s.Image != repo || s.Digest != built.Digest || s.Signature != "ok" || s.Attestation != "ok" {
		t.Errorf("verify: %+v, want %s@%s ok ok", s, repo, built.Digest)
	}

	// The tag moved to an image nobody signed: verify of the lock's pin
	// still passes, verify of what deploy would now resolve fails.
	if code, _, stderr := p.runOutput(t.Context(), "json", "lock"); code != ExitOK {
		t.Fatalf("lock: exit %d\n%s", code, stderr)
	}
	moved := testenv.PushRandomImage(t, built.Image)
	code, stdout, stderr = p.runOutput(t.Context(), "text", "verify")
	if code != ExitOK || !strings.Contains(stdout, repo+"@"+built.Digest) {
		t.Errorf("verify of the locked image: exit %d, want %d for %s\n%s\n%s", code, ExitOK, built.Digest, stdout, stderr)
	}
	if err := os.Remove(filepath.Join(p.root, "x-platform.lock")); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = p.runOutput(t.Context(), "text", "verify")
	if code != ExitFailed || !strings.Contains(stdout, repo+"@"+moved) || !strings.Contains(stdout, "missing") {
		t.Errorf("verify of a moved tag: exit %d, want %d and the new digest missing\n%s", code, ExitFailed, stdout)
	}

	// Wrong password: a configuration error that names the variable.
	p.top = "signing: {key: " + key + ", passwordEnv: " + passwordEnv(t, "wrong") + "}\n"
	p.writeManifest(nil)
	code, _, stderr = p.runOutput(t.Context(), "json", "build")
	if code != ExitUsage || !strings.Contains(stderr, "wrong password") {
		t.Errorf("build with a wrong password: exit %d, want %d\n%s", code, ExitUsage, stderr)
	}
	// A public key that cannot be read is a configuration error too.
	p.top = "signing: {publicKey: " + filepath.Join(keyDir, "absent.pub") + "}\n"
	p.writeManifest(nil)
	code, _, stderr = p.runOutput(t.Context(), "json", "verify")
	if code != ExitUsage || !strings.Contains(stderr, "reading public key") {
		t.Errorf("verify with an unreadable public key: exit %d, want %d\n%s", code, ExitUsage, stderr)
	}
	// No key at all: verify cannot check anything.
	p.top = ""
	p.writeManifest(nil)
	code, _, stderr = p.runOutput(t.Context(), "json", "verify")
	if code != ExitUsage || !strings.Contains(stderr, "no signing key configured") {
		t.Errorf("verify without a key: exit %d, want %d\n%s", code, ExitUsage, stderr)
	}
}
