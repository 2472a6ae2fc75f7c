package app

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/pipeline"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/ui"
	"github.com/x-platform/x-platform/internal/vuln"
)

// Admit refuses an image with findings that fail
// the policy.
func (s *imageScanner) Admit(ctx context.Context, service string, ref image.Ref) error {
	res, err := s.scan(ctx, service, ref, ref.Digest())
	if err != nil {
		return err
	}
	if len(res.failing()) > 0 {
		return &VulnerableImagesError{What: "image " + ref.String(), FailOn: s.policy.FailOn, Services: []scanned{res}}
	}
	return nil
}

// VulnerableImagesError is a build, deploy or promote the vulnerability
// policy refused, naming each finding that fails it.
type VulnerableImagesError struct {
	// What was refused: "environment staging", "image …".
	What     string
	FailOn   vuln.Severity
	Services []scanned
}

func (e *VulnerableImagesError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the vulnerability policy (failOn: %s) refuses %s:", e.FailOn, e.What)
	for _, s := range e.Services {
		for _, f := range s.failing() {
			fmt.Fprintf(&b, "\n  %s: %s", s.Name, f)
		}
	}
	b.WriteString("\nupdate the packages, or accept an advisory with an ignore entry (id, reason, expires) under vulnerabilities in " + manifest.FileName + "; x-platform scan lists every finding")
	return b.String()
}

// results are the refused services, for a deploy report.
func (e *VulnerableImagesError) results() []report.ServiceResult {
	var out []report.ServiceResult
	for _, s := range e.Services {
		var ids []string
		for _, f := range s.failing() {
			ids = append(ids, f.Advisory)
		}
		out = append(out, report.ServiceResult{Name: s.Name, Image: s.Image, Digest: s.Digest, Action: report.ActionFailed,
			Error: "refused by the vulnerability policy: " + strings.Join(ids, ", ")})
	}
	return out
}

// vulnCheck holds the images a deploy or promote is about to run to the
// vulnerability policy, once their digests are final and before anything
// is applied or recorded; what names what a refusal refuses.
func vulnCheck(m *manifest.Manifest, what string, reg *image.Registry, p *ui.Progress) (deploy.Check, error) {
	s, err := newImageScanner(m, reg, p)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, versions []deploy.Version) error {
		var refused []scanned
		for _, v := range versions {
			p.Stepf(v.Name, "checking %s@%s against the vulnerability policy", v.Image, v.Digest)
			res, err := s.scan(ctx, v.Name, v.Image, v.Digest)
			if err != nil {
				return fmt.Errorf("checking the images against the vulnerability policy: %w", err)
			}
			if len(res.failing()) > 0 {
				refused = append(refused, res)
			}
		}
		if len(refused) > 0 {
			return &VulnerableImagesError{What: what, FailOn: s.policy.FailOn, Services: refused}
		}
		return nil
	}, nil
}

// chainChecks runs each check that is set, in order, until one fails.
func chainChecks(checks ...deploy.Check) deploy.Check {
	return func(ctx context.Context, versions []deploy.Version) error {
		for _, c := range checks {
			if c == nil {
				continue
			}
			if err := c(ctx, versions); err != nil {
				return err
			}
		}
		return nil
	}
}

// withGate holds what the build makes to the vulnerability policy, when
// the manifest has one that can fail.
func withGate(p *pipeline.Pipeline) error {
	if !p.Manifest.Vulnerabilities.Gates() {
		return nil
	}
	reg, err := newRegistry(p.Manifest)
	if err != nil {
		return err
	}
	p.Gate = &lazyGate{m: p.Manifest, reg: reg, progress: p.Progress}
	return nil
}

// lazyGate reads the advisory database only once a run builds something:
// a run that changes nothing reads nothing.
type lazyGate struct {
	m        *manifest.Manifest
	reg      *image.Registry
	progress *ui.Progress
	once     sync.Once
	s        *imageScanner
	err      error
}

var _ pipeline.Gate = (*lazyGate)(nil)

func (g *lazyGate) Ready(context.Context) error {
	g.once.Do(func() {
		g.s, g.err = newImageScanner(g.m, g.reg, g.progress)
		if g.err == nil {
			// An image the run is making is signed, and given its SBOM,
			// only once admitted: its layers are read instead.
			g.s.verifier = nil
		}
	})
	return g.err
}

func (g *lazyGate) Admit(ctx context.Context, service string, ref image.Ref) error {
	if err := g.Ready(ctx); err != nil {
		return err
	}
	return g.s.Admit(ctx, service, ref)
}
