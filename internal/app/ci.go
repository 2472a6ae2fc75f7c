package app

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/x-platform/x-platform/internal/ui"
)

const (
	progressKey = "progress"
	ciKey       = "ci"
)

func ciFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "ci", Usage: "CI log format on stderr: github, gitlab or none (default: from GITHUB_ACTIONS or GITLAB_CI)"}
}

// startProgress makes the command's one progress writer, folding service
// lines into the groups of the CI log detected or named by --ci.
func startProgress(c *cli.Context) error {
	ci, err := ui.DetectCI(c.String("ci"), os.Getenv)
	if err != nil {
		return fmt.Errorf("reading --ci (XP_CI): %w", err)
	}
	p := newProgress(c)
	p.InCI(ci)
	if t := p.Terminal(); t != nil && ci == ui.CINone {
		width, _, err := term.GetSize(int(t.Fd()))
		if err != nil {
			width = 80
		}
		p.Live(width)
	}
	if c.App.Metadata == nil {
		c.App.Metadata = map[string]any{}
	}
	c.App.Metadata[progressKey], c.App.Metadata[ciKey] = p, ci
	return nil
}

// stopProgress writes what the progress writer still holds.
func stopProgress(c *cli.Context) error {
	if p, ok := c.App.Metadata[progressKey].(*ui.Progress); ok {
		p.Close()
	}
	return nil
}

// ciOf is the CI log format startProgress settled on.
func ciOf(c *cli.Context) ui.CI {
	ci, _ := c.App.Metadata[ciKey].(ui.CI)
	return ci
}

// summarize appends a Markdown summary to the file GITHUB_STEP_SUMMARY
// names, in GitHub Actions. A summary that cannot be written is said on
// stderr and changes nothing else: the report is on stdout already.
func summarize(c *cli.Context, write func(io.Writer) error) {
	path := os.Getenv("GITHUB_STEP_SUMMARY")
	if ciOf(c) != ui.CIGitHub || path == "" {
		return
	}
	if err := appendSummary(path, write); err != nil {
		fmt.Fprintf(c.App.ErrWriter, "x-platform: warning: writing the job summary: %v (check GITHUB_STEP_SUMMARY)\n", err)
	}
}

func appendSummary(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		_ = f.Close()
		return err
	}
	// One write, so a summary is never left half appended by this run.
	if _, err := f.Write(buf.Bytes()); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
