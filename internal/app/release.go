package app

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/flock"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/pipeline"
	"github.com/x-platform/x-platform/internal/plan"
	"github.com/x-platform/x-platform/internal/report"
)

func planCommand() *cli.Command {
	return &cli.Command{
		Name:  "plan",
		Usage: "say what build would sync, reuse, find, pull or build for each service, and why, changing nothing",
		Flags: []cli.Flag{servicesFlag(), jobsFlag(), networkJobsFlag(), depthFlag(), noCheckoutFlag(), pullFlag()},
		Action: func(c *cli.Context) error {
			return runPipeline(c, "plan", func(p *pipeline.Pipeline, sel []*manifest.Service) []report.ServiceResult {
				return p.Plan(c.Context, plan.WithDeps(p.Manifest, sel))
			})
		},
	}
}

func lockCommand() *cli.Command {
	return &cli.Command{
		Name:  "lock",
		Usage: "write " + lock.FileName + ": per service the commit, cache key and image digest (builds nothing)",
		Flags: []cli.Flag{jobsFlag(), networkJobsFlag(), depthFlag(), noCheckoutFlag(), forceFlag()},
		Action: func(c *cli.Context) error {
			return withPipeline(c, func(p *pipeline.Pipeline) error {
				m := p.Manifest
				unlock, err := lockFolders(c, m, flock.Exclusive, m.Services)
				if err != nil {
					return err
				}
				defer unlock()
				p.KeepGoing = true
				results := p.Resolve(c.Context, m.Services)
				if report.NewReport("lock", results).OK {
					f := &lock.File{Registry: m.Registry, Services: map[string]lock.Entry{}}
					for i, s := range m.Services {
						res := results[i]
						f.Services[s.Name] = lock.Entry{Reference: s.Git.Reference, Commit: res.Commit, Key: res.Key, Image: image.Cut(res.Image), Digest: res.Digest}
					}
					if err := lock.Write(lock.Path(m), f); err != nil {
						return err
					}
					progress(c).Stepf("", "wrote %s", lock.Path(m))
				}
				return reportServices(c, "lock", results)
			})
		},
	}
}

// readLocked reads the lock of `build --locked`, which must agree with
// the manifest.
func readLocked(m *manifest.Manifest, sel []*manifest.Service) (*lock.File, error) {
	path := lock.Path(m)
	f, err := lock.Read(path)
	if errors.Is(err, lock.ErrNoLock) {
		return nil, usageError{err}
	}
	if err != nil {
		return nil, err
	}
	if err := f.Check(path, m.Registry, sel); err != nil {
		return nil, usageError{fmt.Errorf("%w", err)}
	}
	return f, nil
}
