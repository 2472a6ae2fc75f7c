package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/x-platform/x-platform/internal/atomicfile"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/sbom"
	"github.com/x-platform/x-platform/internal/sign"
	"github.com/x-platform/x-platform/internal/ui"
	"github.com/x-platform/x-platform/internal/vuln"
)

// VulnDBEnv names the advisory database instead of vulnerabilities.database.
const VulnDBEnv = "XP_VULN_DB"

// imageScanner reads what images carry and judges it by the manifest's
// vulnerability policy: the one place scan, build, deploy and promote
// decide about findings.
type imageScanner struct {
	db     *vuln.DB
	path   string
	policy vuln.Policy
	reg    *image.Registry
	// verifier reads signed SBOM attestations; nil without a signing key.
	verifier *sign.Verifier
	// cache holds the packages read from images, by digest.
	cache    string
	now      func() time.Time
	progress *ui.Progress
}

// newImageScanner loads the advisory database the manifest or XP_VULN_DB
// names; a missing or unreadable one is a usage error.
func newImageScanner(m *manifest.Manifest, reg *image.Registry, p *ui.Progress) (*imageScanner, error) {
	path := os.Getenv(VulnDBEnv)
	if path != "" {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, usageError{fmt.Errorf("%s=%q: %w", VulnDBEnv, path, err)}
		}
		path = abs
	} else if m.Vulnerabilities != nil {
		path = m.Vulnerabilities.Database
	}
	if path == "" {
		return nil, usageError{fmt.Errorf("no advisory database: set vulnerabilities.database in %s or %s to a folder or zip of OSV advisories", manifest.FileName, VulnDBEnv)}
	}
	start := time.Now()
	db, err := vuln.Load(path)
	if err != nil {
		return nil, err
	}
	p.Stepf("", "read %d advisories from %s in %s", db.Advisories, path, time.Since(start).Round(time.Millisecond))
	s := &imageScanner{db: db, path: path, policy: policyOf(m.Vulnerabilities), reg: reg, now: time.Now, progress: p,
		cache: filepath.Join(m.Root, ".x-platform", "packages")}
	if m.Signing.Verifies() {
		if s.verifier, err = newVerifier(m, reg); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// policyOf is the manifest's policy; none fails nothing.
func policyOf(v *manifest.Vulnerabilities) vuln.Policy {
	if v == nil {
		return vuln.Policy{}
	}
	failOn, _ := vuln.ParseSeverity(v.FailOn) // checked when the manifest was read
	p := vuln.Policy{FailOn: failOn}
	for _, ig := range v.Ignore {
		p.Ignore = append(p.Ignore, vuln.Ignore{ID: ig.ID, Reason: ig.Reason, Expires: ig.Expires, Services: ig.Services})
	}
	return p
}

// scanned is what scan found in one service's image.
type scanned struct {
	Name, Image, Digest string
	// SBOM says where the packages were read: "attestation" (the signed
	// SBOM) or "image" (its layers).
	SBOM     string
	Packages int
	Findings []vuln.Judged
	Error    string
}

// failing are the service's findings that fail the policy.
func (s scanned) failing() []vuln.Judged { return vuln.Failing(s.Findings) }

// report is the service's part of scan's document.
func (s scanned) report() report.ScanService {
	out := report.ScanService{Name: s.Name, Image: s.Image, Digest: s.Digest, SBOM: s.SBOM, Packages: s.Packages,
		Findings: make([]report.ScanFinding, 0, len(s.Findings)), Error: s.Error}
	for _, f := range s.Findings {
		out.Findings = append(out.Findings, report.ScanFinding{Package: f.Package, Version: f.Version, Ecosystem: f.Ecosystem,
			Advisory: f.Advisory, Aliases: f.Aliases, Summary: f.Summary, Severity: f.Severity.String(), Fixed: f.Fixed,
			Source: f.Source, Verdict: f.Verdict, Note: f.Note})
	}
	return out
}

// scan judges the image img (a tagged name) at digest, made for service.
func (s *imageScanner) scan(ctx context.Context, service string, img image.Ref, digest string) (scanned, error) {
	out := scanned{Name: service, Image: img.String(), Digest: digest}
	pkgs, from, err := s.packages(ctx, service, img, digest)
	if err != nil {
		return out, fmt.Errorf("%s: %w", service, err)
	}
	out.SBOM, out.Packages = from, len(pkgs)
	out.Findings = s.policy.Judge(service, s.db.Scan(pkgs), s.now())
	return out, nil
}

// packages lists what the image carries: its signed SBOM where the key
// verifies one, else what its layers hold, read once per digest.
func (s *imageScanner) packages(ctx context.Context, service string, ref image.Ref, digest string) ([]sbom.Package, string, error) {
	if s.verifier != nil {
		doc, err := s.attested(ctx, ref, digest)
		switch {
		case err == nil:
			pkgs, err := sbom.Contents(doc)
			return pkgs, "attestation", err
		case !sign.Refused(err) && !errors.Is(err, sign.ErrNoSBOM):
			return nil, "", err
		}
		s.progress.Stepf(service, "no signed SBOM (%v): reading the image's layers", err)
	}
	cached := filepath.Join(s.cache, strings.ReplaceAll(digest, ":", "-")+".json")
	if b, err := os.ReadFile(cached); err == nil {
		var pkgs []sbom.Package
		if json.Unmarshal(b, &pkgs) == nil {
			return pkgs, "image", nil
		}
	}
	name, err := s.reg.ParseReference(ref.WithDigest(digest))
	if err != nil {
		return nil, "", err
	}
	img, err := remote.Image(name, s.reg.RemoteOptions(ctx)...)
	if err != nil {
		return nil, "", fmt.Errorf("reading %s: %w", name, err)
	}
	inv, err := sbom.Scan(ctx, img)
	if err != nil {
		return nil, "", fmt.Errorf("listing the packages of %s: %w", name, err)
	}
	// The digest names these contents for ever: a later scan reads them here.
	if b, err := json.Marshal(inv.Packages); err == nil && os.MkdirAll(s.cache, 0o755) == nil {
		if err := atomicfile.Write(cached, b, 0o644); err != nil {
			s.progress.Stepf(service, "warning: not keeping the package list: %v", err)
		}
	}
	return inv.Packages, "image", nil
}

func (s *imageScanner) attested(ctx context.Context, ref image.Ref, digest string) (json.RawMessage, error) {
	if err := s.verifier.CheckSignature(ctx, ref, digest); err != nil {
		return nil, err
	}
	return s.verifier.SBOM(ctx, ref, digest, sbom.PredicateType)
}
