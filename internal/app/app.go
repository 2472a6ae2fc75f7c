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
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/sbom"
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
	_ usage = (*sbom.FileError)(nil)
)

// Run executes the command line args (args[0] is the program name) and
// returns the process exit code.
func Run(ctx context.Context, args []string, s Streams) int {
	a := newApp(s)
	if n := len(args); n > 1 && args[n-1] == completeFlag {
		// A Tab: answered here, before any flag is parsed or check run.
		if err := complete(a, args[1:n-1], s.Out); err != nil {
			return exitCode(s.Err, fmt.Errorf("writing completions: %w", err))
		}
		return ExitOK
	}
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
		Version:              version(),
		Reader:               s.In,
		Writer:               s.Out,
		ErrWriter:            s.Err,
		HideVersion:          true,
		EnableBashCompletion: true,
		ExitErrHandler:       func(*cli.Context, error) {},
		OnUsageError:         onUsageError,
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(s.Err, "x-platform: %s\n", unknownCommand(c.App, name))
		},
		Action:                rootAction,
		CustomAppHelpTemplate: appHelpTemplate(),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "manifest `path` (default: " + manifest.FileName + " here or in a parent folder)"},
			outputFlag(),
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "more progress on stderr"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only errors on stderr"},
			waitFlag(),
			&cli.BoolFlag{Name: "offline", Usage: "ask no git remote: references resolve against the refs each checkout last fetched"},
			ciFlag(),
		},
		Before: func(c *cli.Context) error {
			if o := outputFormat(c); o != "text" && o != "json" {
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
	// urfave/cli adds --help itself only to an app without a help command;
	// neither it nor --version is a setting with a variable.
	app.Flags = append(app.Flags, versionFlag(), cli.HelpFlag)
	return app
}

func commands() []*cli.Command {
	cmds := []*cli.Command{buildCommand(), syncCommand(), listCommand(), pinCommand(), planCommand(), lockCommand(), updateBuilderCommand(), versionCommand(), completionCommand(), credentialHostsCommand()}
	cmds = append(cmds, deployCommands()...)
	cmds = append(cmds, verifyCommand(), sbomCommand(), scanCommand())
	cmds = append(cmds, cleanupCommand())
	cmds = append(cmds, promoteCommand(), canaryCommand())
	cmds = append(cmds, statusCommand())
	cmds = append(cmds, testCommand())
	cmds = append(cmds, previewCommand())
	cmds = append(cmds, initCommand())
	cmds = append(cmds, importCommand())
	cmds = append(cmds, secretCommand())
	for _, c := range cmds {
		c.OnUsageError = onUsageError
	}
	withoutSharedHelp(cmds)
	withOutputFlag(cmds)
	withRenamedFlags(cmds)
	cmds = append(cmds, helpCommand())
	withCategories(cmds)
	return cmds
}

// onUsageError keeps flag mistakes off stdout, gives them exit code 2 and
// names the flag probably meant.
func onUsageError(c *cli.Context, err error, sub bool) error {
	flags := c.App.Flags
	if sub && c.Command != nil {
		flags = c.Command.Flags
	}
	if s := flagSuggestion(err, flags); s != "" {
		return usageError{fmt.Errorf("%w; did you mean %s? (see --help)", err, s)}
	}
	return usageError{fmt.Errorf("%w (see --help)", err)}
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError{fmt.Errorf("version takes no arguments (got %q)", c.Args().Slice())}
			}
			return writeVersion(c)
		},
	}
}

func writeVersion(c *cli.Context) error {
	v := report.Version{Version: version(), Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	return writeResult(c, v, func(w io.Writer) error { return report.WriteVersionLine(w, v) })
}
