package app

import (
	"fmt"

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

// outputFormat is --output as given after the command, else before it.
func outputFormat(c *cli.Context) string {
	format := "text"
	lineage := c.Lineage()
	for i := len(lineage) - 1; i >= 0; i-- {
		if lineage[i].IsSet("output") {
			format = lineage[i].String("output")
		}
	}
	return format
}
