package app

import (
	"fmt"
	"io"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
)

func scanCommand() *cli.Command {
	flags := append([]cli.Flag{servicesFlag()}, envFlags()...)
	flags[1].(*cli.StringFlag).Usage = "scan the images environment `ENV`'s current release runs, instead of the pinned ones"
	return &cli.Command{
		Name:  "scan",
		Usage: "match the packages of the services' pinned images (" + lock.FileName + ", else the checkouts' commits), or of an environment's release, against an offline OSV advisory database and the vulnerability policy",
		Flags: flags,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError{fmt.Errorf("scan takes no arguments (got %q); use --services", c.Args().Slice())}
			}
			m, sel, err := loadSelected(c)
			if err != nil {
				return err
			}
			reg, err := newRegistry(m)
			if err != nil {
				return err
			}
			s, err := newImageScanner(m, reg, progress(c))
			if err != nil {
				return err
			}
			versions, err := scanTargets(c, m, sel)
			if err != nil {
				return err
			}
			rep := report.ScanReport{Command: "scan", OK: true, Database: s.path, Advisories: s.db.Advisories, FailOn: s.policy.FailOn.String(),
				Env: c.String("env"), Services: []report.ScanService{}}
			for _, v := range versions {
				progress(c).Stepf(v.Name, "scanning %s@%s", v.Image, v.Digest)
				res, err := s.scan(c.Context, v.Name, v.Image, v.Digest)
				if err != nil {
					res.Error = err.Error()
				}
				if err != nil || len(res.failing()) > 0 {
					rep.OK = false
				}
				rep.Services = append(rep.Services, res.report())
			}
			rep.DurationMs = elapsedMs(c)
			if err := writeResult(c, rep, func(w io.Writer) error { return report.WriteScanTable(w, rep) }); err != nil {
				return err
			}
			if !rep.OK {
				return errFailed
			}
			return nil
		},
	}
}

// scanTargets are the pinned images of services, or with --env those the
// environment's current release runs.
func scanTargets(c *cli.Context, m *manifest.Manifest, services []*manifest.Service) ([]deploy.Version, error) {
	name := c.String("env")
	if name == "" {
		return pinnedVersions(c, m, services)
	}
	e, err := deploy.Open(m, deploy.Target{Env: name, Kubeconfig: c.String("kubeconfig"), Context: c.String("context"), Namespace: c.String("namespace")})
	if err != nil {
		return nil, usageError{err}
	}
	e.Progress = progress(c)
	rec, err := e.Current(c.Context)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, fmt.Errorf("environment %s has no release to scan: deploy it first, or scan the pinned images without --env", name)
	}
	var out []deploy.Version
	for _, s := range rec.Services {
		if slices.ContainsFunc(services, func(svc *manifest.Service) bool { return svc.Name == s.Name }) {
			out = append(out, deploy.Version{Service: s})
		}
	}
	return out, nil
}
