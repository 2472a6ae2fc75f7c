package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/flock"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
)

// KustomizeDir is where, next to the manifest, the bases and overlays live.
const KustomizeDir = deploy.KustomizeDir

func envFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "env", Aliases: []string{"e"}, Usage: "environment: the overlay " + KustomizeDir + "/overlays/`ENV`"},
		&cli.StringFlag{Name: "context", Usage: "kubeconfig context (default: the environment's in " + manifest.FileName + ", else the current one)"},
		&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Usage: "namespace for release records and objects that name none (default: the environment's, the context's, or the overlay's)"},
		kubeconfigFlag(),
	}
}

// kubeconfigFlag is the one --kubeconfig of every command that reads a
// cluster.
func kubeconfigFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "kubeconfig", Usage: "kubeconfig `file` (default: $KUBECONFIG, then ~/.kube/config)"}
}

// openEnv opens the environment a deploy command works on and wires the
// command's flags and the real clients into it.
func openEnv(c *cli.Context, command string) (*deploy.Environment, error) {
	if c.NArg() > 0 {
		return nil, usageError{fmt.Errorf("%s takes no arguments (got %q)", command, c.Args().Slice())}
	}
	name := c.String("env")
	if name == "" {
		return nil, usageError{fmt.Errorf("%s needs --env, the name of an overlay in %s/overlays", command, KustomizeDir)}
	}
	m, err := loadManifest(c)
	if err != nil {
		return nil, err
	}
	if s, _ := m.Environment(name); s.Preview != nil && command != "render" {
		return nil, usageError{fmt.Errorf("environment %s is the preview template: deploy a preview of a branch with --preview BRANCH instead (see x-platform preview --help)", name)}
	}
	e, err := deploy.Open(m, deploy.Target{Env: name, Kubeconfig: c.String("kubeconfig"), Context: c.String("context"), Namespace: c.String("namespace")})
	if err != nil {
		return nil, usageError{err}
	}
	if e.Template != "" && !previewCommands[command] {
		return nil, usageError{fmt.Errorf("%s is a preview, which %s does not take: redeploy it with deploy --preview BRANCH, which builds the branch (history, rollback and test take a preview by name)", name, command)}
	}
	return e, wireEnv(c, m, e, command)
}

// previewCommands take a preview by its name as --env; the others would
// put pinned references where the preview runs its branch.
var previewCommands = map[string]bool{"history": true, "rollback": true, "test": true}

// wireEnv wires the command's flags and the real clients into e.
func wireEnv(c *cli.Context, m *manifest.Manifest, e *deploy.Environment, command string) error {
	e.Progress, e.Locked = progress(c), c.Bool("locked")
	e.Rollout = deploy.Rollout{Timeout: c.Duration("timeout"), NoRollback: c.Bool("no-rollback"), ForceConflicts: c.Bool("force-conflicts"), HistoryMax: c.Int("history-max"), RunPhases: c.Bool("run-phases")}
	if c.Bool("sync") {
		e.Sync = syncCheckouts(c, m)
	}
	reg, err := newRegistry(m)
	switch {
	case err == nil:
		e.Images = reg
	case resolvesImages(command) && !e.Locked:
		return err
	}
	// Otherwise a registry that cannot be set up only loses the check
	// before a rollback, unless the environment requires signatures.
	if e.Settings.RequireSignatures {
		if err != nil {
			return err
		}
		if e.Check, err = signatureCheck(m, e.Name, e.Template != "", reg); err != nil {
			return err
		}
	}
	// A rollback restores a release that ran before; only what a deploy
	// brings is held to the vulnerability policy.
	if command == "deploy" && m.Vulnerabilities.Gates() {
		if err != nil {
			return err
		}
		check, err := vulnCheck(m, "environment "+e.Name, reg, e.Progress)
		if err != nil {
			return err
		}
		e.Check = chainChecks(e.Check, check)
	}
	return nil
}

// resolvesImages tells the commands that ask the registry for the images
// of checkouts.
func resolvesImages(command string) bool {
	return command == "deploy" || command == "render" || command == "diff"
}

// syncCheckouts brings checkouts to their references through the
// pipeline's parallel sync, and holds their folders shared until the
// deploy has read their commits.
func syncCheckouts(c *cli.Context, m *manifest.Manifest) deploy.SyncFunc {
	return func(ctx context.Context, services []*manifest.Service) (func(), error) {
		p, err := gitPipeline(c, m)
		if err != nil {
			return nil, err
		}
		unlock, err := lockFolders(c, m, flock.Shared, services)
		if err != nil {
			return nil, err
		}
		var failed []error
		for _, r := range p.SyncOnly(ctx, services) {
			if r.Action == report.ActionFailed {
				failed = append(failed, errors.New(r.Name+": "+r.Error))
			}
		}
		switch {
		case ctx.Err() != nil:
			unlock()
			return nil, fmt.Errorf("syncing the checkouts: %w", ctx.Err())
		case len(failed) > 0:
			unlock()
			return nil, errors.Join(failed...)
		}
		return unlock, nil
	}
}

// deployError gives configuration problems exit code 2.
func deployError(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	if deploy.IsConfigError(err) {
		return usageError{err}
	}
	return err
}
