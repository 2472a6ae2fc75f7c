package app

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

// reportFormat checks that a command that prints a report got no
// arguments and returns its --output format, text or json.
func reportFormat(c *cli.Context, command string) (string, error) {
	if c.NArg() > 0 {
		return "", usageError{fmt.Errorf("%s takes no arguments (got %q)", command, c.Args().Slice())}
	}
	format := outputFormat(c)
	if format != "text" && format != "json" {
		return "", usageError{fmt.Errorf("--output must be text or json, not %q", format)}
	}
	return format, nil
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
