package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/sync/errgroup"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/flock"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
)

// statusFlags are the flags --fail-on takes.
var statusFlags = []string{deploy.FlagDrift, deploy.FlagBehind, deploy.FlagMissing, deploy.FlagLocal}

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show per service and environment the pinned, released and running digests and flag drift, behind, missing and local; changes nothing. Exits 1 when an environment cannot be read or a --fail-on flag is found",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "environment, repeatable (default: every overlay in " + KustomizeDir + "/overlays)"},
			servicesFlag(),
			&cli.StringSliceFlag{Name: "fail-on", Usage: "exit 1 when a service carries this flag: " + strings.Join(statusFlags, ", ") + "; repeatable"},
			&cli.BoolFlag{Name: "server-dry-run", Usage: "also find drift by a server-side dry run of each release's manifest (two requests per object instead of one list per kind)"},
			&cli.BoolFlag{Name: "fetch", Usage: "fetch the services' remotes first, so behind sees their newest commits (default: the checkouts' remote-tracking refs as they are)"},
			depthFlag(), noCheckoutFlag(),
			kubeconfigFlag(),
		},
		Action: runStatus,
	}
}

func runStatus(c *cli.Context) error {
	if err := checkReportArgs(c, "status"); err != nil {
		return err
	}
	failOn := c.StringSlice("fail-on")
	for _, f := range failOn {
		if !slices.Contains(statusFlags, f) {
			return usageError{fmt.Errorf("--fail-on takes %s, not %q", strings.Join(statusFlags, ", "), f)}
		}
	}
	m, services, err := loadSelected(c)
	if err != nil {
		return err
	}
	if c.Bool("fetch") {
		unlock, err := fetchCheckouts(c, m, services)
		if err != nil {
			return err
		}
		defer unlock()
	}
	envs := c.StringSlice("env")
	if len(envs) == 0 {
		// Every overlay but the preview template, which is no environment.
		tmpl, _ := m.PreviewTemplate()
		for _, env := range render.Envs(m.Root + "/" + KustomizeDir) {
			if env != tmpl.Name {
				envs = append(envs, env)
			}
		}
		if len(envs) == 0 {
			return usageError{fmt.Errorf("no environments: %s/overlays holds no overlay", KustomizeDir)}
		}
	}
	opened := make([]*deploy.Environment, len(envs))
	for i, name := range envs {
		if opened[i], err = openStatusEnv(c, m, name); err != nil {
			return err
		}
	}
	rep := report.Status{Command: "status", Environments: readStatuses(c.Context, opened, services, deploy.StatusOptions{DryRun: c.Bool("server-dry-run")}, progress(c).Stepf)}
	rep.OK = rep.Healthy(failOn)
	rep.DurationMs = elapsedMs(c)
	if err := writeResult(c, rep, func(w io.Writer) error { return report.WriteStatusTable(w, rep) }); err != nil {
		return err
	}
	if !rep.OK {
		return fmt.Errorf("%w: an environment could not be read or a service is flagged %s", errFailed, strings.Join(failOn, " or "))
	}
	return nil
}

// fetchCheckouts brings the remote-tracking refs of services' checkouts
// up to date, and holds the checkouts until the returned func is called
// so that their commits are read as fetched.
func fetchCheckouts(c *cli.Context, m *manifest.Manifest, services []*manifest.Service) (func(), error) {
	// Fetches write the checkouts' refs, as builds do.
	unlock, err := lockFolders(c, m, flock.Shared, services)
	if err != nil {
		return nil, err
	}
	git, err := gitClient()
	if err != nil {
		unlock()
		return nil, err
	}
	p := progress(c)
	var g errgroup.Group
	g.SetLimit(16)
	seen := map[string]bool{}
	for _, s := range services {
		if seen[s.AbsDir] || gitsync.Offline(c.Context) {
			continue // one fetch per checkout; offline, the refs last fetched
		}
		seen[s.AbsDir] = true
		g.Go(func() error {
			p.Stepf(s.Name, "fetching %s", s.Git.URL)
			if _, err := git.Fetch(c.Context, gitsync.Request{Remote: s.Git.URL, Dir: s.AbsDir, Reference: s.Git.Reference, Depth: s.Git.Depth, Notes: func(msg string) { p.Stepf(s.Name, "%s", msg) }}); err != nil {
				return fmt.Errorf("fetching %s: %w", s.Name, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

// openStatusEnv opens one environment with the real registry; pins come
// from the lock file when there is one.
func openStatusEnv(c *cli.Context, m *manifest.Manifest, name string) (*deploy.Environment, error) {
	e, err := deploy.Open(m, deploy.Target{Env: name, Kubeconfig: c.String("kubeconfig")})
	if err != nil {
		return nil, usageError{err}
	}
	if _, err := os.Stat(lock.Path(m)); err == nil {
		e.Locked = true
	}
	if reg, err := newRegistry(m); err == nil {
		e.Images = reg
	}
	// Without a registry the pins stay unknown; the report warns.
	return e, nil
}

// readStatuses reads the environments side by side; one that cannot be
// read is reported unreachable and hides none of the others.
func readStatuses(ctx context.Context, envs []*deploy.Environment, services []*manifest.Service, opts deploy.StatusOptions, step func(prefix, format string, args ...any)) []report.StatusEnv {
	out := make([]report.StatusEnv, len(envs))
	var g errgroup.Group
	g.SetLimit(4)
	for i, e := range envs {
		g.Go(func() error {
			step("", "reading %s", e.Name)
			st, err := e.Status(ctx, services, opts)
			if err != nil {
				if ctx.Err() != nil {
					err = errors.Join(err, ctx.Err())
				}
				step("", "%s: %v", e.Name, err)
				out[i] = report.StatusEnv{Name: e.Name, Error: err.Error(), Services: []report.StatusService{}}
				return nil
			}
			out[i] = envReportOf(st)
			return nil
		})
	}
	_ = g.Wait()
	return out
}
