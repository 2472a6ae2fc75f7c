package app

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/flock"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/pipeline"
	"github.com/x-platform/x-platform/internal/plan"
	"github.com/x-platform/x-platform/internal/report"
)

func servicesFlag() *cli.StringSliceFlag {
	return &cli.StringSliceFlag{Name: "services", Aliases: []string{"s"}, Usage: "services to work on, comma-separated (default: all)"}
}

func jobsFlag() cli.Flag {
	return &cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: runtime.NumCPU(), Usage: "services worked on at once"}
}

// networkJobsFlag() bounds remote look-ups apart from --jobs: they wait on
// the network, not on this machine's CPUs.
func networkJobsFlag() *cli.IntFlag {
	return &cli.IntFlag{Name: "network-jobs", Value: pipeline.DefaultNetwork, Usage: "remotes fetched or listed at once"}
}

// depthFlag overrides git.depth of every service, so a machine that builds
// once fetches only the commits it checks out (XP_DEPTH in CI).
func depthFlag() *cli.IntFlag {
	return &cli.IntFlag{Name: "depth", Usage: "fetch only the last `N` commits of each checkout's reference (overrides git.depth in " + manifest.FileName + "); 0 fetches the whole history"}
}

func forceFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "force", Usage: "save local work in checkouts aside (printed) instead of refusing to move them"}
}

func buildCommand() *cli.Command {
	return &cli.Command{
		Name:  "build",
		Usage: "sync, build, test, tag and push services, reusing images that already exist for their commits",
		Flags: []cli.Flag{servicesFlag(), jobsFlag(), networkJobsFlag(), depthFlag(), noCheckoutFlag(), forceFlag(), builderFlag(), secretFlag(), platformFlag(), localFlag(), pullFlag(),
			&cli.BoolFlag{Name: "keep-going", Aliases: []string{"k"}, Usage: "keep building other services after one fails"},
			&cli.BoolFlag{Name: "explain", Usage: "say per service which input made it build or what it reused"},
			&cli.BoolFlag{Name: "locked", Usage: "take exactly the commits and image digests of " + lock.FileName + "; build nothing"},
			junitFlag(),
		},
		Action: func(c *cli.Context) error {
			if err := checkJUnit(c); err != nil {
				return err
			}
			if c.Bool("locked") {
				var f *lock.File
				readLock := func(m *manifest.Manifest, sel []*manifest.Service) (err error) {
					f, err = readLocked(m, sel)
					return err
				}
				return runPipelineErr(c, "build", func(p *pipeline.Pipeline, sel []*manifest.Service) ([]report.ServiceResult, error) {
					return p.BuildLocked(c.Context, sel, f), nil
				}, readLock)
			}
			var local map[string]string
			readLocal := func(m *manifest.Manifest, _ []*manifest.Service) (err error) {
				local, err = localFolders(c, m)
				return err
			}
			return runPipelineErr(c, "build", func(p *pipeline.Pipeline, sel []*manifest.Service) ([]report.ServiceResult, error) {
				all := plan.WithDeps(p.Manifest, sel)
				if err := p.CheckBuilders(all); err != nil {
					return nil, err
				}
				if err := withSigner(p); err != nil {
					return nil, err
				}
				if err := withGate(p); err != nil {
					return nil, err
				}
				p.Local = local
				return p.Build(c.Context, all), nil
			}, readLocal)
		},
	}
}

func syncCommand() *cli.Command {
	return &cli.Command{
		Name:  "sync",
		Usage: "bring service checkouts to their pinned references",
		Flags: []cli.Flag{servicesFlag(), jobsFlag(), networkJobsFlag(), depthFlag(), noCheckoutFlag(), forceFlag()},
		Action: func(c *cli.Context) error {
			return runPipeline(c, "sync", func(p *pipeline.Pipeline, sel []*manifest.Service) []report.ServiceResult {
				return p.SyncOnly(c.Context, sel)
			})
		},
	}
}

func runPipeline(c *cli.Context, command string, run func(*pipeline.Pipeline, []*manifest.Service) []report.ServiceResult) error {
	return runPipelineErr(c, command, func(p *pipeline.Pipeline, sel []*manifest.Service) ([]report.ServiceResult, error) {
		return run(p, sel), nil
	})
}

// syncing lists the pipeline commands that move checkouts: they hold the
// platform folder shared and their checkouts exclusively. Plan and list
// only read, and never wait.
var syncing = map[string]bool{"build": true, "sync": true}

// check tells a mistake in the command line that needs the manifest; it
// runs before any engine, daemon or cluster is dialled.
type check func(m *manifest.Manifest, sel []*manifest.Service) error

func runPipelineErr(c *cli.Context, command string, run func(*pipeline.Pipeline, []*manifest.Service) ([]report.ServiceResult, error), checks ...check) error {
	if c.NArg() > 0 {
		return usageError{fmt.Errorf("%s takes no arguments (got %q); use --services %s", command, c.Args().Slice(), strings.Join(c.Args().Slice(), ","))}
	}
	for _, f := range []string{"jobs", "network-jobs"} {
		if c.IsSet(f) && c.Int(f) < 1 {
			return usageError{fmt.Errorf("--%s must be at least 1", f)}
		}
	}
	m, sel, err := loadSelected(c)
	if err != nil {
		return err
	}
	for _, check := range checks {
		if err := check(m, sel); err != nil {
			return err
		}
	}
	return withClients(c, m, func(p *pipeline.Pipeline) error {
		if syncing[command] {
			// Build takes the checkouts of the dependencies it builds too.
			unlock, err := lockFolders(c, p.Manifest, flock.Shared, plan.WithDeps(p.Manifest, sel))
			if err != nil {
				return err
			}
			defer unlock()
		}
		results, err := run(p, sel)
		if err != nil {
			return err
		}
		return reportServices(c, command, results)
	})
}

// withPipeline loads the manifest, wires the real clients and the common
// flags into a pipeline, and hands it to fn.
func withPipeline(c *cli.Context, fn func(*pipeline.Pipeline) error) error {
	m, err := loadManifest(c)
	if err != nil {
		return err
	}
	return withClients(c, m, fn)
}

// withClients wires the real clients and the common flags into a pipeline
// for m, and hands it to fn.
func withClients(c *cli.Context, m *manifest.Manifest, fn func(*pipeline.Pipeline) error) error {
	p, closeFn, err := newPipeline(c, m)
	if err != nil {
		return err
	}
	defer closeFn()
	return fn(p)
}

func listCommand() *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "show services, their pinned reference, checked-out commit and whether its image is present",
		Flags: []cli.Flag{servicesFlag()},
		Action: func(c *cli.Context) error {
			return runPipelineErr(c, "list", func(p *pipeline.Pipeline, sel []*manifest.Service) ([]report.ServiceResult, error) {
				var results []report.ServiceResult
				for _, s := range sel {
					r := report.ServiceResult{Name: s.Name, Reference: s.Git.Reference, Action: report.ActionPresent}
					if sha, err := gitsync.Resolve(s.AbsDir, "HEAD"); err == nil {
						r.Commit = sha
						r.Image = image.Name(p.RegistryPrefix, s.Docker.Image, sha)
						info, err := p.Images.Inspect(c.Context, r.Image)
						if err != nil {
							return nil, fmt.Errorf("inspecting %s: %w", r.Image, err)
						}
						r.Present = &info.Present
					}
					results = append(results, r)
				}
				return results, nil
			})
		},
	}
}

func updateBuilderCommand() *cli.Command {
	return &cli.Command{
		Name:      "update-builder",
		Usage:     "rebuild builder images from builders/NAME/ and push them",
		ArgsUsage: "NAME...",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "build-arg", Usage: "KEY=VALUE passed to the builder's Dockerfile"},
			builderFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError{fmt.Errorf("update-builder needs at least one builder or service name")}
			}
			args := map[string]string{}
			for _, kv := range c.StringSlice("build-arg") {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return usageError{fmt.Errorf("--build-arg %q is not KEY=VALUE", kv)}
				}
				args[k] = v
			}
			return withPipeline(c, func(p *pipeline.Pipeline) error {
				if err := withSigner(p); err != nil {
					return err
				}
				results, err := p.UpdateBuilders(c.Context, c.Args().Slice(), args)
				if err != nil {
					return err
				}
				return reportServices(c, "update-builder", results)
			})
		},
	}
}
