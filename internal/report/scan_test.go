package report

import (
	"bytes"
	"testing"
)

func TestScanReportMatchesGolden(t *testing.T) {
	t.Parallel()
	r := ScanReport{Command: "scan", OK: false, Database: "/srv/osv/advisories.zip", Advisories: 1234, FailOn: "high", Env: "staging",
		Services: []ScanService{
			{Name: "zbackend", Image: "registry.example.com/x/zbackend:0123456789abcdef0123456789abcdef01234567", Digest: "sha256:aaaa", SBOM: "attestation", Packages: 57,
				Findings: []ScanFinding{
					{Package: "golang.org/x/net", Version: "0.21.0", Ecosystem: "Go", Advisory: "GHSA-test-0001", Aliases: []string{"CVE-2024-0001", "GO-2024-0001"},
						Summary: "HTTP/2 <CONTINUATION> flood & more", Severity: "high", Fixed: "0.22.2", Source: "/usr/local/bin/app",
						Verdict: "fails", Note: "ignore entry GHSA-test-0001 expired on 2026-01-02; counted again"},
					{Package: "libc6", Version: "2.36-9", Ecosystem: "Debian:12", Advisory: "DSA-0002", Aliases: []string{"CVE-2024-0002", "CVE-2024-0003"},
						Summary: "glibc bug", Severity: "unknown", Source: "/var/lib/dpkg/status", Verdict: "ignored", Note: "ignored until 2027-01-01: not reachable"},
				}},
			{Name: "zfront", Image: "registry.example.com/x/zfront:1111111111111111111111111111111111111111", Digest: "sha256:bbbb", SBOM: "image", Packages: 3, Findings: []ScanFinding{}},
			{Name: "zworker", Image: "registry.example.com/x/zworker:2222222222222222222222222222222222222222", Digest: "sha256:cccc", Findings: []ScanFinding{},
				Error: "zworker: reading registry.example.com/x/zworker@sha256:cccc: not found"},
		},
		DurationMs: 4321}
	sameDocument(t, "scan", r, func(b *bytes.Buffer) error { return WriteScanTable(b, r) })
}
