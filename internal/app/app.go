package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/engine"
	"github.com/x-platform/x-platform/internal/flock"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/pipeline"
	"github.com/x-platform/x-platform/internal/plan"
	"github.com/x-platform/x-platform/internal/redact"
)

// Version is set at link time.
var Version = "dev"

// Exit codes shared by every command.
const (
	ExitOK     = 0
	ExitFailed = 1 // a service or object failed
	ExitUsage  = 2 // usage, manifest or configuration error
	// ExitBusy says another run holds the platform folder or a checkout:
	// the same command may succeed later, or with --wait.
	ExitBusy    = 3
	exitUnknown = ExitFailed
)

// Streams are where a command reads and writes.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// errFailed marks a run where some service failed; the report already says which.
var errFailed = errors.New("some services failed")

// usageError is a mistake in the command line.
type usageError struct{ error }

func (usageError) UsageError() bool { return true }

// usage is an error whose cause is the command line, the manifest or the
// configuration: exit code 2. Each package marks its own such errors, so
// this one needs to know none of them.
type usage interface{ UsageError() bool }

var (
	_ usage = usageError{}
	_ usage = manifest.Errors{}
	_ usage = (*manifest.Error)(nil)
	_ usage = (*plan.UnknownServiceError)(nil)
	_ usage = (*pipeline.UsageError)(nil)
	_ usage = (*engine.ConfigError)(nil)
)

// Run executes the command line args (args[0] is the program name) and
// returns the process exit code.
func Run(ctx context.Context, args []string, s Streams) int {
	a := newApp(s)
	err := a.RunContext(ctx, args)
	return exitCode(s.Err, err)
}

func exitCode(stderr io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, errFailed) {
		return ExitFailed
	}
	code := exitUnknown
	var he *flock.HeldError
	if errors.As(err, &he) {
		code = ExitBusy
	}
	var u usage
	if errors.As(err, &u) && u.UsageError() {
		code = ExitUsage
	}
	// The last net: an error that quotes a remote raw shows no token.
	fmt.Fprintf(stderr, "x-platform: %s\n", redact.String(err.Error()))
	if h := hint(err); h != "" {
		fmt.Fprintf(stderr, "hint: %s\n", h)
	}
	return code
}

func hint(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "interrupted; containers started by this run were removed"
	case errors.Is(err, manifest.ErrNotFound):
		return "run from the platform folder or pass --file path/to/" + manifest.FileName
	}
	return ""
}

func newApp(s Streams) *cli.App {
	app := &cli.App{
		Name:                 "x-platform",
		Usage:                "build, tag and push every service of a product from one manifest",
		Version:              Version,
		Reader:               s.In,
		Writer:               s.Out,
		ErrWriter:            s.Err,
		HideVersion:          true,
		EnableBashCompletion: true,
		ExitErrHandler:       func(*cli.Context, error) {},
		OnUsageError:         onUsageError,
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(s.Err, "x-platform: unknown command %q; see x-platform --help\n", name)
		},
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "manifest `path` (default: " + manifest.FileName + " here or in a parent folder)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "text", Usage: "result format on stdout: text or json"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "more progress on stderr"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only errors on stderr"},
			waitFlag(),
			&cli.BoolFlag{Name: "offline", Usage: "ask no git remote: references resolve against the refs each checkout last fetched"},
			ciFlag(),
		},
		Before: func(c *cli.Context) error {
			if o := c.String("output"); o != "text" && o != "json" {
				return usageError{fmt.Errorf("--output must be text or json, not %q", o)}
			}
			// One run asks each remote once (gitsync.WithRun).
			c.Context = withStart(gitsync.WithRun(c.Context, c.Bool("offline")), time.Now())
			if err := startProgress(c); err != nil {
				return err
			}
			if c.Bool("offline") && !c.Bool("quiet") {
				fmt.Fprintln(c.App.ErrWriter, "offline: no git remote is asked; references resolve against the refs each checkout last fetched")
			}
			return nil
		},
		Commands: commands(),
		After:    stopProgress,
	}
	withEnvVars(app.Flags, app.Commands)
	// urfave/cli adds --help itself only to an app without a help command.
	app.Flags = append(app.Flags, cli.HelpFlag)
	return app
}

func commands() []*cli.Command {
	cmds := []*cli.Command{buildCommand(), syncCommand(), listCommand(), pinCommand(), planCommand(), lockCommand(), updateBuilderCommand(), versionCommand(), completionCommand(), credentialHostsCommand()}
	cmds = append(cmds, deployCommands()...)
	cmds = append(cmds, verifyCommand())
	cmds = append(cmds, cleanupCommand())
	cmds = append(cmds, promoteCommand())
	cmds = append(cmds, statusCommand())
	cmds = append(cmds, testCommand())
	cmds = append(cmds, previewCommand())
	cmds = append(cmds, initCommand())
	for _, c := range cmds {
		c.OnUsageError = onUsageError
	}
	withoutSharedHelp(cmds)
	return append(cmds, helpCommand())
}

// onUsageError keeps flag mistakes off stdout and gives them exit code 2.
func onUsageError(_ *cli.Context, err error, _ bool) error {
	return usageError{fmt.Errorf("%w (see --help)", err)}
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(c *cli.Context) error {
			_, err := fmt.Fprintf(c.App.Writer, "x-platform %s %s %s/%s\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
