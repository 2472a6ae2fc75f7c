package app

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationBuildGate: a build whose image links a module version
// with an advisory at or above failOn leaves the image under its key's tag
// only, the commit's and branch's tags unmoved; with an unexpired ignore
// entry the next build reuses that image and tags it; a no-op build reads
// neither the database nor the image; a corrupt database stops a build
// with exit 2, naming the file, before anything is pushed.
func TestIntegrationBuildGate(t *testing.T) {
	t.Parallel()
	p, osv := gatedPlatform(t)
	gateRefusesThenAdmits(t, p, osv)

	// Nothing changed: the database is not read (a corrupt one goes
	// unnoticed), nor is the image.
	writeFile(t, filepath.Join(osv, "Go", "all.zip"), "corrupt")
	if got := p.build(ExitOK)["svc"]; got.Action == "built" || got.Action == "reused" {
		t.Errorf("no-op build: %+v", got)
	}

	// A new commit with the corrupt database: exit 2, naming the file,
	// nothing pushed.
	next := p.remotes["svc"].Commit(t, "master", map[string]string{"more.txt": "2"}, "more")
	code, r, stderr := p.run(t.Context(), "build")
	if code != ExitUsage || len(r.Services) != 1 || !strings.Contains(r.Services[0].Error, "reading the advisory database: "+filepath.Join(osv, "Go", "all.zip")) {
		t.Fatalf("build with a corrupt database: exit %d, want %d; %+v\n%s", code, ExitUsage, r.Services, stderr)
	}
	if r.Services[0].Key == "" {
		t.Fatalf("the new commit has no key: %+v", r.Services[0])
	}
	for _, tag := range []string{next, "key-" + r.Services[0].Key} {
		if d := p.remoteDigest(t, p.ref("svc", tag)); d != "" {
			t.Errorf("%s was pushed although the database could not be read", tag)
		}
	}
}

// TestIntegrationBuildGateOnBuildkitDaemon: the same on a standalone
// buildkitd, which pushes by digest: the image gets its key's tag only
// until the policy admits it.
func TestIntegrationBuildGateOnBuildkitDaemon(t *testing.T) {
	p, osv := gatedPlatform(t)
	reg := strings.SplitN(p.registry, "/", 2)[0]
	p.base = testenv.PushBaseImage(t, reg)
	p.writeManifest(nil)
	d := testenv.StartBuildkitd(t, testenv.BuildkitdOptions{InsecureRegistries: []string{reg}})
	gateRefusesThenAdmits(t, p, osv, "--builder", d.Addr)
}

// gatedPlatform is a platform whose one service's image holds the test's
// Go binary, with a policy failing on high and a database whose advisory
// (high) names the go-containerregistry version it links.
func gatedPlatform(t *testing.T) (*platform, string) {
	p := newPlatform(t, "svc")
	files := serviceFiles("svc")
	files["Dockerfile"] = "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY out.txt /out.txt\nCOPY app /usr/local/bin/app\n"
	files["app"] = goBinary(t)
	p.remotes["svc"] = testenv.NewRemote(t, files)
	osv := filepath.Join(t.TempDir(), "osv")
	writeOSV(t, osv, map[string]string{"GHSA-test-ggcr-0001": ggcrAdvisory, "GHSA-test-dgst-0002": digestAdvisory})
	p.top = "vulnerabilities: {database: " + osv + ", failOn: high}\n"
	p.writeManifest(nil)
	return p, osv
}

// gateRefusesThenAdmits builds with args: refused, the image is under its
// key's tag only; with the advisory ignored, the next build reuses it and
// moves the commit's and branch's tags to it.
func gateRefusesThenAdmits(t *testing.T, p *platform, osv string, args ...string) {
	t.Helper()
	head := p.remotes["svc"].Head(t, "master")
	code, r, stderr := p.run(t.Context(), append([]string{"build"}, args...)...)
	if code != ExitFailed || len(r.Services) != 1 {
		t.Fatalf("build of a vulnerable image: exit %d, want %d\n%s", code, ExitFailed, stderr)
	}
	refused := r.Services[0]
	if !strings.Contains(refused.Error, "svc: Go github.com/google/go-containerregistry v0.22.1: GHSA-test-ggcr-0001 (high), fixed in 0.22.2") ||
		strings.Contains(refused.Error, "GHSA-test-dgst-0002") {
		t.Errorf("refused build: error %q", refused.Error)
	}
	keyed := p.remoteDigest(t, p.ref("svc", "key-"+refused.Key))
	if refused.Key == "" || keyed == "" {
		t.Fatalf("the refused image is not in the registry under its key's tag (key %q)", refused.Key)
	}
	for _, tag := range []string{head, "master"} {
		if d := p.remoteDigest(t, p.ref("svc", tag)); d != "" {
			t.Errorf("%s was tagged (%s) although the policy refused the image", p.ref("svc", tag), d)
		}
	}

	// Accepted until next month: the key's image is reused and tagged.
	expires := time.Now().UTC().AddDate(0, 1, 0).Format(time.DateOnly)
	p.top = "vulnerabilities:\n  database: " + osv + "\n  failOn: high\n  ignore: [{id: GHSA-test-ggcr-0001, reason: test, expires: " + expires + "}]\n"
	p.writeManifest(nil)
	got := p.build(ExitOK, args...)["svc"]
	if got.Digest != keyed || p.remoteDigest(t, p.ref("svc", head)) != keyed || p.remoteDigest(t, p.ref("svc", "master")) != keyed {
		t.Errorf("build with the advisory ignored = %+v; the commit's tag should name %s", got, keyed)
	}
}

// TestIntegrationScanReadsTheSignedSBOM: scan takes an image's packages
// from its SBOM attestation by the manifest's key; with no failOn the
// findings are reported and pass.
func TestIntegrationScanReadsTheSignedSBOM(t *testing.T) {
	t.Parallel()
	p, osv := gatedPlatform(t)
	keyDir := t.TempDir()
	key, _ := writeKeyPair(t, keyDir, "scan-pw")
	p.top = "signing: {key: " + key + ", passwordEnv: " + passwordEnv(t, "scan-pw") + "}\nvulnerabilities: {database: " + osv + "}\n"
	p.writeManifest(nil)
	built := p.build(ExitOK)["svc"]

	code, out, stderr := p.runOutput(t.Context(), "json", "scan")
	var r report.ScanReport
	if err := json.Unmarshal([]byte(out), &r); code != ExitOK || err != nil || len(r.Services) != 1 {
		t.Fatalf("scan: exit %d, %v\n%s\n%s", code, err, out, stderr)
	}
	s := r.Services[0]
	if !r.OK || r.FailOn != "none" || s.SBOM != "attestation" || s.Digest != built.Digest || len(s.Findings) != 1 ||
		s.Findings[0].Advisory != "GHSA-test-ggcr-0001" || s.Findings[0].Verdict != "passes" {
		t.Errorf("scan of a signed image: %+v\n%s", r, stderr)
	}
}
