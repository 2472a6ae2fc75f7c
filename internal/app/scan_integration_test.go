package app

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// The test advisories: one for the go-containerregistry version the test
// binary links (v0.22.1), fixed in a later one; one for go-digest fixed in
// the version it links (v1.0.0), which must not be found.
const (
	ggcrAdvisory = `{"id":"GHSA-test-ggcr-0001","aliases":["CVE-2099-0001"],"summary":"test advisory",
 "affected":[{"package":{"ecosystem":"Go","name":"github.com/google/go-containerregistry"},
  "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.22.2"}]}]}],
 "database_specific":{"severity":"HIGH"}}`
	digestAdvisory = `{"id":"GHSA-test-dgst-0002","summary":"fixed in the version linked",
 "affected":[{"package":{"ecosystem":"Go","name":"github.com/opencontainers/go-digest"},
  "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}],
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}`
)

// writeOSV writes a tiny OSV database as the OSV export lays it out:
// dir/Go/all.zip with one JSON file per advisory.
func writeOSV(t testing.TB, dir string, advisories map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for n, body := range advisories {
		w, err := zw.Create(n + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "Go", "all.zip"), buf.String())
}

// goImage is an image holding the test's Go binary, as a build would make.
func goImage(t testing.TB, bin string) v1.Image {
	t.Helper()
	return testenv.Image(t, testenv.Layer(t,
		testenv.File{Name: "etc/os-release", Body: "ID=debian\nVERSION_ID=\"12\"\n"},
		testenv.File{Name: "usr/local/bin/app", Body: bin}))
}

// pushImage writes img as <registry>/<service>:<commit>.
func (c *cluster) pushImage(service, commit string, img v1.Image) string {
	c.t.Helper()
	ref := c.registry + "/" + service + ":" + commit
	digest := testenv.WriteImage(c.t, ref, img)
	c.digests[ref] = digest
	return digest
}

// vulnerabilities rewrites the cluster's manifest with a vulnerabilities
// section.
func (c *cluster) vulnerabilities(section string) {
	c.t.Helper()
	c.writeManifest()
	data, err := os.ReadFile(filepath.Join(c.root, "x-platform.yml"))
	if err != nil {
		c.t.Fatal(err)
	}
	c.write("x-platform.yml", section+string(data))
}

func (c *cluster) scan(want int, args ...string) report.ScanReport {
	c.t.Helper()
	code, out, stderr := c.run(c.t.Context(), "json", append([]string{"scan"}, args...)...)
	if code != want {
		c.t.Fatalf("scan %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, want, out, stderr)
	}
	var r report.ScanReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		c.t.Fatalf("scan %v: stdout is not a JSON report: %v\n%s", args, err, out)
	}
	return r
}

// TestIntegrationScanAndDeployGate: scan finds the advisory for the module
// version the image's Go binary really links and not the one fixed in it;
// deploy is refused on the finding before anything is applied, and goes
// out with an unexpired ignore entry; an expired one counts again; a
// corrupt database is exit 2 naming the file, nothing applied.
func TestIntegrationScanAndDeployGate(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend")
	c.checkout()
	head := c.remotes["zbackend"].Head(t, "master")
	digest := c.pushImage("zbackend", head, goImage(t, goBinary(t)))
	writeOSV(t, filepath.Join(c.root, "osv"), map[string]string{"GHSA-test-ggcr-0001": ggcrAdvisory, "GHSA-test-dgst-0002": digestAdvisory})
	c.vulnerabilities("vulnerabilities: {database: osv, failOn: high}\n")

	// scan: the pinned image (the checkout's commit), read from its layers.
	r := c.scan(ExitFailed)
	if r.OK || r.Advisories != 2 || r.FailOn != "high" || len(r.Services) != 1 {
		t.Fatalf("scan report %+v", r)
	}
	s := r.Services[0]
	if s.Name != "zbackend" || s.Digest != digest || s.SBOM != "image" || s.Packages < 3 || len(s.Findings) != 1 {
		t.Fatalf("scan of zbackend: %+v", s)
	}
	f := s.Findings[0]
	if f.Package != "github.com/google/go-containerregistry" || f.Version != "v0.22.1" || f.Advisory != "GHSA-test-ggcr-0001" ||
		f.Severity != "high" || f.Fixed != "0.22.2" || f.Verdict != "fails" || f.Source != "/usr/local/bin/app" {
		t.Errorf("finding %+v", f)
	}
	code, table, _ := c.run(t.Context(), "text", "scan")
	if code != ExitFailed || !hasRow(table, []string{"zbackend", "github.com/google/go-containerregistry", "v0.22.1", "GHSA-test-ggcr-0001", "high", "0.22.2", "fails"}) {
		t.Errorf("scan table (exit %d):\n%s", code, table)
	}

	// deploy: refused before anything is applied, naming the finding.
	before := c.snapshot()
	d := c.deploy(ExitFailed)
	if !strings.Contains(d.Error, "vulnerability policy (failOn: high) refuses environment staging") ||
		!strings.Contains(d.Error, "zbackend: Go github.com/google/go-containerregistry v0.22.1: GHSA-test-ggcr-0001 (high), fixed in 0.22.2") {
		t.Errorf("refused deploy: error %q", d.Error)
	}
	if len(d.Services) != 1 || d.Services[0].Action != "failed" || !strings.Contains(d.Services[0].Error, "GHSA-test-ggcr-0001") {
		t.Errorf("refused deploy: services %+v", d.Services)
	}
	c.sameSnapshot("a deploy the policy refused", before)

	// An unexpired ignore entry, by the advisory's alias: it goes out.
	expires := time.Now().UTC().AddDate(0, 1, 0).Format(time.DateOnly)
	c.vulnerabilities("vulnerabilities:\n  database: osv\n  failOn: high\n  ignore:\n    - {id: CVE-2099-0001, reason: not reachable, expires: " + expires + "}\n")
	c.deploy(ExitOK)
	if img, _ := c.image("zbackend"); !strings.HasSuffix(img, "@"+digest) {
		t.Errorf("zbackend runs %s, want %s", img, digest)
	}
	r = c.scan(ExitOK, "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if f := r.Services[0].Findings; len(f) != 1 || f[0].Verdict != "ignored" || f[0].Note != "ignored until "+expires+": not reachable" {
		t.Errorf("scan --env staging: %+v", r.Services)
	}

	// Expired yesterday: it counts again, and says so.
	expired := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	c.vulnerabilities("vulnerabilities:\n  database: osv\n  failOn: high\n  ignore:\n    - {id: GHSA-test-ggcr-0001, reason: not reachable, expires: " + expired + "}\n")
	r = c.scan(ExitFailed)
	if f := r.Services[0].Findings; len(f) != 1 || f[0].Verdict != "fails" || f[0].Note != "ignore entry GHSA-test-ggcr-0001 expired on "+expired+"; counted again" {
		t.Errorf("scan with an expired entry: %+v", r.Services)
	}

	// promote holds staging's release to the same policy before anything
	// is applied to production: refused while the entry is expired.
	prodNS := c.env.Namespace(t)
	c.write("k8s/overlays/production/kustomization.yaml", "resources: [../../base/zbackend]\n")
	withProduction := func(entry string) {
		c.vulnerabilities("vulnerabilities:\n  database: osv\n  failOn: high\n  ignore:\n    - " + entry + "\n")
		data, err := os.ReadFile(filepath.Join(c.root, "x-platform.yml"))
		if err != nil {
			t.Fatal(err)
		}
		c.write("x-platform.yml", string(data)+"  production: {namespace: "+prodNS+"}\n")
	}
	promote := func(want int) string {
		t.Helper()
		code, out, stderr := c.run(t.Context(), "json", "promote", "--from", "staging", "--to", "production", "--timeout", "90s", "--kubeconfig", c.env.Kubeconfig)
		if code != want {
			t.Fatalf("promote: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, want, out, stderr)
		}
		return out
	}
	productionRuns := func() int {
		t.Helper()
		list, err := c.cs.AppsV1().Deployments(prodNS).List(t.Context(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return len(list.Items)
	}
	withProduction("{id: GHSA-test-ggcr-0001, reason: not reachable, expires: " + expired + "}")
	if out := promote(ExitFailed); !strings.Contains(out, "refuses environment production") || !strings.Contains(out, "expired on "+expired) {
		t.Errorf("promote with an expired entry: %s", out)
	}
	if n := productionRuns(); n != 0 {
		t.Errorf("%d deployments in production after a refused promote, want 0", n)
	}
	withProduction("{id: GHSA-test-ggcr-0001, reason: not reachable, expires: " + expires + ", services: [zbackend]}")
	promote(ExitOK)
	if n := productionRuns(); n != 1 {
		t.Errorf("%d deployments in production after the promote, want 1", n)
	}

	// A corrupt database: exit 2 naming the file, nothing applied.
	writeFile(t, filepath.Join(c.root, "osv", "Go", "all.zip"), "PK\x03\x04 not a zip")
	before = c.snapshot()
	code, out, stderr := c.run(t.Context(), "text", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitUsage || !strings.Contains(stderr, "reading the advisory database: "+filepath.Join(c.root, "osv", "Go", "all.zip")) {
		t.Errorf("deploy with a corrupt database: exit %d, want %d naming the file\n%s%s", code, ExitUsage, out, stderr)
	}
	c.sameSnapshot("a deploy with a corrupt database", before)
	if code, _, stderr := c.run(t.Context(), "text", "scan"); code != ExitUsage || !strings.Contains(stderr, "all.zip") {
		t.Errorf("scan with a corrupt database: exit %d, want %d\n%s", code, ExitUsage, stderr)
	}
}
