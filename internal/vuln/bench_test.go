package vuln

import (
	"archive/zip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/sbom"
)

// benchEcosystems are the advisories' ecosystems, with the SBOM type of
// their packages and how many of each an image carries.
var benchEcosystems = []struct {
	osv, typ string
	perImage int
}{
	{"Go", sbom.TypeGo, 120}, {"npm", sbom.TypeNpm, 60}, {"PyPI", sbom.TypePyPI, 40}, {"Debian:12", sbom.TypeDeb, 100},
}

const benchNames = 4000 // package names per ecosystem

func benchName(eco string, i int) string {
	switch eco {
	case "Go":
		return fmt.Sprintf("github.com/org%d/module%d", i%97, i)
	case "Debian:12":
		return fmt.Sprintf("libpkg%d", i)
	}
	return fmt.Sprintf("package-%d", i)
}

func benchVersion(eco string, major, minor int) string {
	if eco == "Debian:12" {
		return fmt.Sprintf("%d.%d-1+deb12u1", major, minor)
	}
	return fmt.Sprintf("%d.%d.0", major, minor)
}

// writeBenchDB writes n advisories as the OSV exports lay them out, one
// all.zip per ecosystem, each advisory about as large as a real one.
func writeBenchDB(b *testing.B, dir string, n int) {
	b.Helper()
	details := strings.Repeat("A description of the problem, how it is reached and what it allows. ", 20)
	for e, eco := range benchEcosystems {
		path := filepath.Join(dir, strings.Split(eco.osv, ":")[0], "all.zip")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		zw := zip.NewWriter(f)
		for i := e; i < n; i += len(benchEcosystems) {
			id := fmt.Sprintf("GHSA-%04d-%04d", i/10000, i%10000)
			w, err := zw.Create(id + ".json")
			if err != nil {
				b.Fatal(err)
			}
			pkg := benchName(eco.osv, i%benchNames)
			fmt.Fprintf(w, `{"schema_version":"1.6.0","id":%q,"modified":"2026-01-01T00:00:00Z","published":"2025-01-01T00:00:00Z",
"aliases":["CVE-2025-%d"],"summary":"problem %d","details":%q,
"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
"affected":[{"package":{"ecosystem":%q,"name":%q,"purl":"pkg:x/%s"},
 "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":%q},{"introduced":%q},{"fixed":%q}]}],
 "database_specific":{"source":"https://example.com/%s"}}],
"references":[{"type":"ADVISORY","url":"https://example.com/advisories/%s"},{"type":"WEB","url":"https://example.com/fix/%s"}],
"database_specific":{"severity":"HIGH","cwe_ids":["CWE-79"],"github_reviewed":true}}`,
				id, i, i, details, eco.osv, pkg, pkg,
				benchVersion(eco.osv, 1, i%10), benchVersion(eco.osv, 2, 0), benchVersion(eco.osv, 2, 3+i%5), pkg, id, id)
		}
		if err := zw.Close(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSBOMs are images' package lists: each a few hundred packages drawn
// from the advisories' package names, at assorted versions.
func benchSBOMs(images int) [][]sbom.Package {
	out := make([][]sbom.Package, images)
	for img := range out {
		for _, eco := range benchEcosystems {
			for k := 0; k < eco.perImage; k++ {
				i := (img*7919 + k*104729) % benchNames
				v := benchVersion(eco.osv, 1+k%3, (img+k)%10)
				if eco.typ == sbom.TypeGo {
					v = "v" + v
				}
				p := sbom.Package{Type: eco.typ, Name: benchName(eco.osv, i), Version: v, Source: "/app"}
				if eco.typ == sbom.TypeDeb {
					p.PURL = "pkg:deb/debian/" + p.Name + "@" + v + "?distro=debian-12"
				}
				out[img] = append(out[img], p)
			}
		}
	}
	return out
}

// BenchmarkScan50 loads a 50 000-advisory database (four all.zip exports)
// and matches the packages of 50 images against it.
func BenchmarkScan50(b *testing.B) {
	dir := b.TempDir()
	writeBenchDB(b, dir, 50000)
	images := benchSBOMs(50)
	b.ResetTimer()
	for b.Loop() {
		db, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		findings := 0
		for _, pkgs := range images {
			findings += len(db.Scan(pkgs))
		}
		if db.Advisories != 50000 || findings == 0 {
			b.Fatalf("%d advisories, %d findings", db.Advisories, findings)
		}
		b.ReportMetric(float64(findings), "findings")
	}
}
