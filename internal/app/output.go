package app

import (
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
	"github.com/x-platform/x-platform/internal/report"
)

// checkReportArgs checks that a command that prints a report got no
// arguments and an --output format it writes: text or json.
func checkReportArgs(c *cli.Context, command string) error {
	if c.NArg() > 0 {
		return usageError{fmt.Errorf("%s takes no arguments (got %q)", command, c.Args().Slice())}
	}
	if format := outputFormat(c); format != "text" && format != "json" {
		return usageError{fmt.Errorf("--output must be text or json, not %q", format)}
	}
	return nil
}

// outputFormat is --output as given after the command, else before it,
// else XP_OUTPUT. The flag before and the one after both read XP_OUTPUT
// (urfave/cli counts either as set then), so a value other than the
// variable's is the one given on the command line.
func outputFormat(c *cli.Context) string {
	env, hasEnv := os.LookupEnv("XP_OUTPUT")
	format, given := "text", false
	lineage := c.Lineage()
	for i := len(lineage) - 1; i >= 0; i-- {
		if !lineage[i].IsSet("output") {
			continue
		}
		v := lineage[i].String("output")
		switch {
		case !hasEnv || v != env:
			format, given = v, true
		case !given:
			format = v
		}
	}
	return format
}

// writeResult writes a command's result on stdout: rep as JSON with
// -o json (through the one encoder, which masks what a document may
// quote of a secret), else the table table writes.
func writeResult(c *cli.Context, rep any, table func(io.Writer) error) error {
	var err error
	if outputFormat(c) == "json" {
		err = report.JSON(c.App.Writer, rep)
	} else {
		err = table(c.App.Writer)
	}
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}
