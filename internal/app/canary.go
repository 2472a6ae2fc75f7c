package app

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy"
)

func canaryCommand() *cli.Command {
	sub := func(name, usage string, run func(*deploy.Environment, *cli.Context) (*deploy.Outcome, error)) *cli.Command {
		return &cli.Command{
			Name: name, Usage: usage,
			Flags:        append(envFlags(), rolloutFlags()[:2]...),
			OnUsageError: onUsageError,
			Action: func(c *cli.Context) error {
				e, err := openEnv(c, "canary "+name)
				if err != nil {
					return err
				}
				out, err := run(e, c)
				if out == nil {
					return deployError(err)
				}
				return writeDeploy(c, "canary "+name, out, err)
			},
		}
	}
	return &cli.Command{
		Name:  "canary",
		Usage: "move the environment's canary on by one step (the last rolls the release out in full), or abort it",
		Subcommands: []*cli.Command{
			sub("promote", "move the canary on to its next step; after the last, roll the release out in full and remove the canary",
				func(e *deploy.Environment, c *cli.Context) (*deploy.Outcome, error) {
					return e.CanaryPromote(c.Context)
				}),
			sub("abort", "remove the canary: the release deployed before it runs alone again, and the canary's release is recorded as failed",
				func(e *deploy.Environment, c *cli.Context) (*deploy.Outcome, error) { return e.CanaryAbort(c.Context) }),
		},
		Action: func(c *cli.Context) error {
			return usageError{fmt.Errorf("canary needs a command: promote or abort (got %q)", c.Args().Slice())}
		},
	}
}
