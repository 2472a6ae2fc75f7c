package app

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	xpimage "github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/sbom"
	"github.com/x-platform/x-platform/internal/testenv"
)

// goBinary builds internal/sbom/testdata/gobin, a Go program linking
// go-containerregistry, and returns its bytes.
func goBinary(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "gobin")
	cmd := exec.Command("go", "build", "-o", out, "../sbom/testdata/gobin")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building a Go binary: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestIntegrationBuildAttachesSBOM: a signed build attaches the image's
// SPDX SBOM, with the Go binary's modules, the dpkg status file's packages
// and the npm lock file's, which the cosign CLI verifies as spdxjson and
// `x-platform sbom` prints; builds of the same image list nothing again;
// an image with a broken lock file fails the build with exit 2, naming the
// file, and is neither signed nor attested.
func TestIntegrationBuildAttachesSBOM(t *testing.T) {
	t.Parallel()
	p := newPlatform(t, "svc")
	files := serviceFiles("svc")
	files["Dockerfile"] = "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY out.txt /out.txt\nCOPY app /usr/local/bin/app\n" +
		"COPY status /var/lib/dpkg/status\nCOPY lock/ /srv/\n"
	files["app"] = goBinary(t)
	files["status"] = "Package: libfoo1\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.2-3\n"
	files["lock/package-lock.json"] = `{"lockfileVersion":3,"packages":{"":{"name":"srv"},"node_modules/left-pad":{"version":"1.3.0"}}}`
	p.remotes["svc"] = testenv.NewRemote(t, files)
	keyDir := t.TempDir()
	key, pub := writeKeyPair(t, keyDir, "sbom-pw")
	p.top = "signing: {key: " + key + ", passwordEnv: " + passwordEnv(t, "sbom-pw") + "}\n"
	p.writeManifest(nil)

	built := p.build(ExitOK)["svc"]
	repo := xpimage.Cut(built.Image).Repository()
	img := repo + "@" + built.Digest
	out, err := testenv.Cosign(t, keyDir, "", "verify-attestation", "--key", pub, "--type", "spdxjson",
		"--insecure-ignore-tlog=true", "--allow-http-registry=true", img)
	if err != nil {
		t.Fatalf("cosign verify-attestation --type spdxjson of the built image: %v\n%s", err, out)
	}
	statements := payloads(out)
	for _, want := range []string{"pkg:golang/github.com/google/go-containerregistry@v0.22.1", "pkg:deb/debian/libfoo1@1.2-3?arch=amd64", "pkg:npm/left-pad@1.3.0"} {
		if !strings.Contains(statements, want) {
			t.Errorf("the attested SBOM has no %s:\n%.2000s", want, statements)
		}
	}

	// x-platform sbom prints it: a table, or the SPDX document.
	code, table, stderr := p.runOutput(t.Context(), "text", "sbom", "svc")
	if code != ExitOK {
		t.Fatalf("sbom svc: exit %d\n%s", code, stderr)
	}
	for _, want := range [][]string{{"golang", "github.com/google/go-containerregistry", "v0.22.1", "/usr/local/bin/app"},
		{"golang", "github.com/opencontainers/go-digest", "v1.0.0"}, {"deb", "libfoo1", "1.2-3", "/var/lib/dpkg/status"},
		{"npm", "left-pad", "1.3.0", "/srv/package-lock.json"}} {
		if !hasRow(table, want) {
			t.Errorf("sbom svc prints no row %q:\n%s", want, table)
		}
	}
	code, doc, stderr := p.runOutput(t.Context(), "json", "sbom", "svc")
	pkgs, err := sbom.Contents([]byte(doc))
	if code != ExitOK || err != nil || len(pkgs) < 5 || !strings.Contains(doc, `"spdxVersion": "SPDX-2.3"`) {
		t.Errorf("sbom -o json svc: exit %d, %v, %d packages\n%.1000s\n%s", code, err, len(pkgs), doc, stderr)
	}
	if code, _, stderr := p.runOutput(t.Context(), "text", "sbom", "nosuch"); code != ExitUsage || !strings.Contains(stderr, "nosuch") {
		t.Errorf("sbom of an unknown service: exit %d, want %d\n%s", code, ExitUsage, stderr)
	}

	// Builds of the same image, with and without the record of finished
	// tags, add nothing.
	p.build(ExitOK)
	if err := os.RemoveAll(filepath.Join(p.root, ".x-platform", "pushed")); err != nil {
		t.Fatal(err)
	}
	p.build(ExitOK)
	if n := cosignLayers(t, repo, built.Digest, "att"); n != 2 {
		t.Errorf("%d attestations after three builds, want 2 (provenance and SBOM)", n)
	}

	// A lock file that is not one: exit 2, the file named, nothing signed.
	head := p.remotes["svc"].Commit(t, "master", map[string]string{"lock/package-lock.json": "{broken"}, "break the lock")
	code, r, stderr := p.run(t.Context(), "build")
	if code != ExitUsage || len(r.Services) != 1 || !strings.Contains(r.Services[0].Error, "/srv/package-lock.json: not a package-lock.json") {
		t.Fatalf("build of an image with a broken lock file: exit %d, want %d; %+v\n%s", code, ExitUsage, r.Services, stderr)
	}
	bad := p.remoteDigest(t, p.ref("svc", head))
	if bad == "" || bad == built.Digest {
		t.Fatalf("the broken build's digest is %q", bad)
	}
	for _, kind := range []string{"sig", "att"} {
		ref, err := name.ParseReference(repo + ":" + cosignTag(bad, kind))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := remote.Head(ref, remote.WithContext(t.Context())); err == nil {
			t.Errorf("%s was written for an image whose SBOM could not be made", ref)
		}
	}
}

// payloads are the statements of the DSSE envelopes cosign printed, one
// a line.
func payloads(out string) string {
	var b strings.Builder
	for _, line := range strings.Split(out, "\n") {
		var env struct {
			Payload string `json:"payload"`
		}
		if json.Unmarshal([]byte(line), &env) != nil {
			continue
		}
		if st, err := base64.StdEncoding.DecodeString(env.Payload); err == nil {
			b.Write(st)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// hasRow says whether a line of table has the cells want, in order.
func hasRow(table string, want []string) bool {
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) >= len(want) && strings.Join(f[:len(want)], " ") == strings.Join(want, " ") {
			return true
		}
	}
	return false
}

// cosignLayers is how many signatures (kind sig) or attestations (att)
// cosign's tag holds for digest.
func cosignLayers(t *testing.T, repo, digest, kind string) int {
	t.Helper()
	ref, err := name.ParseReference(repo + ":" + cosignTag(digest, kind))
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
