package app

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/docker"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/junit"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/pipeline"
	"github.com/x-platform/x-platform/internal/plan"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/retry"
	"github.com/x-platform/x-platform/internal/ui"
)

// loadSelected loads the manifest and the services --services names.
func loadSelected(c *cli.Context) (*manifest.Manifest, []*manifest.Service, error) {
	m, err := loadManifest(c)
	if err != nil {
		return nil, nil, err
	}
	sel, err := plan.Select(m, c.StringSlice("services"))
	if err != nil {
		return nil, nil, err
	}
	return m, sel, nil
}

// loadManifest reads the manifest, applies XP_REGISTRY and requires a
// registry.
func loadManifest(c *cli.Context) (*manifest.Manifest, error) {
	m, err := readManifest(c)
	if err != nil {
		return nil, err
	}
	if r := os.Getenv("XP_REGISTRY"); r != "" {
		r = strings.TrimSuffix(r, "/")
		if err := manifest.ValidateRegistry(r); err != nil {
			return nil, usageError{fmt.Errorf("XP_REGISTRY=%q: %w", r, err)}
		}
		m.Registry = r
	}
	if err := applyDepth(c, m); err != nil {
		return nil, err
	}
	applyNoCheckout(c, m)
	if m.Registry == "" {
		return nil, usageError{fmt.Errorf("%s sets no registry: add `registry: host/prefix` or set XP_REGISTRY", m.Path)}
	}
	return m, nil
}

// readManifest reads the manifest named by --file or found from the current
// folder up.
func readManifest(c *cli.Context) (*manifest.Manifest, error) {
	path := c.String("file")
	if path == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("finding the manifest: %w", err)
		}
		if path, err = manifest.Find(wd); err != nil {
			return nil, err
		}
	}
	m, err := manifest.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usageError{fmt.Errorf("%w (pass --file with an existing manifest)", err)}
	}
	return m, err
}

// progress is the command's one progress writer, made by startProgress;
// a command run without the app's Before gets one of its own.
func progress(c *cli.Context) *ui.Progress {
	if p, ok := c.App.Metadata[progressKey].(*ui.Progress); ok {
		return p
	}
	return newProgress(c)
}

func newProgress(c *cli.Context) *ui.Progress {
	level := ui.Normal
	switch {
	case c.Bool("quiet"):
		level = ui.Quiet
	case c.Bool("verbose"):
		level = ui.Verbose
	}
	return ui.NewProgress(c.App.ErrWriter, level)
}

// newPipeline wires the real git, Docker, BuildKit and registry clients
// and the command line's options into a pipeline.
func newPipeline(c *cli.Context, m *manifest.Manifest) (*pipeline.Pipeline, func(), error) {
	p, err := gitPipeline(c, m)
	if err != nil {
		return nil, nil, err
	}
	reg, err := newRegistry(m)
	if err != nil {
		return nil, nil, err
	}
	policy, err := retry.FromEnv()
	if err != nil {
		return nil, nil, usageError{err}
	}
	eps, err := endpoints(c, m)
	if err != nil {
		return nil, nil, err
	}
	if p.Secrets, err = secrets(c); err != nil {
		return nil, nil, err
	}
	if p.Platforms, err = platforms(c); err != nil {
		return nil, nil, err
	}
	eng, err := docker.New(c.Context)
	if err != nil {
		return nil, nil, err
	}
	pool, remote := newBuilders(eps, eng, p.Progress)
	p.Images = pipeline.WithDeadline(eng, policy.Deadline)
	p.Builder, p.Registry, p.PlainHTTP = pool, reg, reg.PlainHTTP
	p.Jobs, p.RemoteBuilds = defaultJobs(c, pool, remote), remote
	p.User, p.Pull = builderUser(), pullImages(c, m)
	return p, func() { _ = eng.Close() }, nil
}

// gitPipeline is a pipeline whose only client is git: enough to sync
// checkouts, which deploy does without Docker.
func gitPipeline(c *cli.Context, m *manifest.Manifest) (*pipeline.Pipeline, error) {
	policy, err := retry.FromEnv()
	if err != nil {
		return nil, usageError{err}
	}
	return &pipeline.Pipeline{
		Git:            pipeline.Git{Client: gitsync.NewClient(policy)},
		Progress:       progress(c),
		Manifest:       m,
		RegistryPrefix: m.Registry,
		Jobs:           runtime.NumCPU(),
		Network:        c.Int("network-jobs"),
		Force:          c.Bool("force"),
		KeepGoing:      c.Bool("keep-going"),
	}, nil
}

// builderUser is who scripts run as: XP_USER (set by bin/x-platform to the
// host user) or this process's own uid:gid.
func builderUser() string {
	if u := os.Getenv("XP_USER"); u != "" {
		return u
	}
	return fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid())
}

// reportServices prints the result and turns failed services into exit code 1.
func reportServices(c *cli.Context, command string, results []report.ServiceResult) error {
	r := report.NewReport(command, results)
	r.DurationMs = elapsedMs(c)
	summarize(c, func(w io.Writer) error { return report.WriteSummary(w, command, r) })
	r.Explain = c.Bool("explain")
	if err := writeResult(c, r, func(w io.Writer) error { return report.WriteTable(w, r) }); err != nil {
		return err
	}
	if err := writeJUnit(c, command, junit.NewSuite(command, serviceCases(command, results))); err != nil {
		return err
	}
	if !r.OK {
		return failedErr(results)
	}
	return nil
}

// errBadInput marks a run where a service failed on input the user is to
// fix, such as a file in its image that cannot be read as what it is
// named; the report already says which.
var errBadInput = usageError{errors.New("some services failed on input to fix (see the report)")}

// failedErr is errBadInput when a failure is the user's to fix, else
// errFailed.
func failedErr(results []report.ServiceResult) error {
	for _, r := range results {
		if r.Action == report.ActionFailed && r.Usage {
			return errBadInput
		}
	}
	return errFailed
}

// applyDepth gives every service the history depth of --depth (or
// XP_DEPTH), which outranks git.depth in the manifest.
func applyDepth(c *cli.Context, m *manifest.Manifest) error {
	if !c.IsSet("depth") {
		return nil
	}
	n := c.Int("depth")
	if n < 0 || n > manifest.MaxDepth {
		return usageError{fmt.Errorf("--depth (XP_DEPTH) must be a number of commits from 1 to %d, or 0 for the whole history; got %d", manifest.MaxDepth, n)}
	}
	for _, s := range m.Services {
		s.Git.Depth = n
	}
	return nil
}
