package app

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/manifest"
)

func promoteCommand() *cli.Command {
	return &cli.Command{
		Name:      "promote",
		Usage:     "deploy to one environment exactly the images another's current release runs, once that release is found healthy",
		ArgsUsage: " ",
		Flags: append([]cli.Flag{
			// XP_TO is rollback's --to, a revision.
			&cli.StringFlag{Name: "from", EnvVars: []string{"XP_PROMOTE_FROM"}, Usage: "source environment `ENV`, whose current release is promoted"},
			&cli.StringFlag{Name: "to", EnvVars: []string{"XP_PROMOTE_TO"}, Usage: "target environment `ENV`, deployed through its own overlay"},
			promoteKubeconfigFlag(),
		}, rolloutFlags()...),
		Action: func(c *cli.Context) error {
			from, to, err := openPromote(c)
			if err != nil {
				return err
			}
			out, err := to.Promote(c.Context, from, from.CheckTests)
			if out == nil {
				return promoteFailed(c, to, deployError(err))
			}
			return writeDeploy(c, "promote", out, err)
		},
	}
}

// openPromote opens the source and the target of a promote. The target
// checks signatures when it requires them; neither resolves images.
// promoteKubeconfigFlag says that one file serves both environments.
func promoteKubeconfigFlag() *cli.StringFlag {
	f := kubeconfigFlag()
	f.Usage += "; each environment's context and namespace come from " + manifest.FileName
	return f
}

func openPromote(c *cli.Context) (from, to *deploy.Environment, err error) {
	if c.NArg() > 0 {
		return nil, nil, usageError{fmt.Errorf("promote takes no arguments (got %q)", c.Args().Slice())}
	}
	src, dst := c.String("from"), c.String("to")
	switch {
	case src == "" || dst == "":
		return nil, nil, usageError{fmt.Errorf("promote needs --from and --to, names of overlays in %s/overlays", KustomizeDir)}
	case src == dst:
		return nil, nil, usageError{fmt.Errorf("promote needs two environments, got %s for both --from and --to", src)}
	}
	m, err := loadManifest(c)
	if err != nil {
		return nil, nil, err
	}
	open := func(name string) (*deploy.Environment, error) {
		e, err := deploy.Open(m, deploy.Target{Env: name, Kubeconfig: c.String("kubeconfig")})
		if err != nil {
			return nil, usageError{err}
		}
		e.Progress = progress(c)
		return e, nil
	}
	if from, err = open(src); err != nil {
		return nil, nil, err
	}
	if to, err = open(dst); err != nil {
		return nil, nil, err
	}
	if to.Template != "" {
		return nil, nil, usageError{fmt.Errorf("%s is a preview, which promote does not deploy to: redeploy it with deploy --preview BRANCH", dst)}
	}
	// A preview runs an unreviewed branch's builds. Where signatures are
	// required their provenance refuses them; a protected environment
	// without signatures refuses the preview itself.
	if from.Template != "" && to.Settings.Protected {
		return nil, nil, usageError{fmt.Errorf("environment %s is protected: it takes no preview's images (%s runs builds of a branch); promote from a named environment, or deploy the release's commits", dst, src)}
	}
	to.Rollout = deploy.Rollout{Timeout: c.Duration("timeout"), NoRollback: c.Bool("no-rollback"), ForceConflicts: c.Bool("force-conflicts"), HistoryMax: c.Int("history-max")}
	reg, err := newRegistry(m)
	if err == nil {
		// Only checks that an automatic rollback's images are still there.
		to.Images = reg
	}
	if to.Settings.RequireSignatures {
		if err != nil {
			return nil, nil, err
		}
		if to.Check, err = signatureCheck(m, to.Name, false, reg); err != nil {
			return nil, nil, err
		}
	}
	if m.Vulnerabilities.Gates() {
		if err != nil {
			return nil, nil, err
		}
		check, err := vulnCheck(m, "environment "+to.Name, reg, to.Progress)
		if err != nil {
			return nil, nil, err
		}
		to.Check = chainChecks(to.Check, check)
	}
	return from, to, nil
}

// promoteFailed reports a promote refused before anything was applied.
func promoteFailed(c *cli.Context, to *deploy.Environment, err error) error {
	return failedBeforeApply(c, "promote", to, err)
}
