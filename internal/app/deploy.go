package app

import (
	"errors"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/plan"
	"github.com/x-platform/x-platform/internal/report"
)

func deployCommands() []*cli.Command {
	return []*cli.Command{deployCommand(), renderCommand(), diffCommand(), historyCommand(), rollbackCommand()}
}

func rolloutFlags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: "timeout", Value: 5 * time.Minute, Usage: "how long the rollout may take to become ready"},
		&cli.BoolFlag{Name: "no-rollback", Usage: "leave a failed rollout in place for debugging instead of restoring the previous release"},
		&cli.BoolFlag{Name: "force-conflicts", Usage: "take over fields that other field managers own instead of failing"},
		&cli.IntFlag{Name: "history-max", Value: 10, Usage: "release records kept per environment"},
	}
}

func syncFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "sync", Usage: "fetch and check out each service's reference before resolving its commit"}
}

func lockedFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "locked", Usage: "take each service's commit and digest from " + lock.FileName + " instead of the checkouts and the registry"}
}

func deployCommand() *cli.Command {
	return &cli.Command{
		Name:  "deploy",
		Usage: "render the environment's overlay with the services' images pinned by digest, apply it, track the rollout, record the release",
		Flags: append(append(envFlags(), servicesFlag(), syncFlag(), depthFlag(), noCheckoutFlag(), lockedFlag(), localFlag(), junitFlag()), append(rolloutFlags(), previewFlags()...)...),
		Action: func(c *cli.Context) error {
			if err := checkJUnit(c); err != nil {
				return err
			}
			if c.IsSet("preview") || c.IsSet("ttl") {
				return deployPreview(c)
			}
			e, err := openEnv(c, "deploy")
			if err != nil {
				return err
			}
			if err := withLocal(c, e); err != nil {
				return err
			}
			sel, err := plan.Select(e.Manifest, c.StringSlice("services"))
			if err != nil {
				return err
			}
			out, err := e.Deploy(c.Context, sel)
			if out == nil {
				return deployFailed(c, e, deployError(err))
			}
			return writeDeploy(c, "deploy", out, err)
		},
	}
}

func renderCommand() *cli.Command {
	return &cli.Command{
		Name:  "render",
		Usage: "print the environment's final YAML, images pinned by digest; asks the cluster nothing unless --services leaves some services at their current release",
		Flags: append(envFlags(), servicesFlag(), syncFlag(), depthFlag(), noCheckoutFlag(), lockedFlag(), localFlag()),
		Action: func(c *cli.Context) error {
			e, err := openEnv(c, "render")
			if err != nil {
				return err
			}
			if err := withLocal(c, e); err != nil {
				return err
			}
			sel, err := plan.Select(e.Manifest, c.StringSlice("services"))
			if err != nil {
				return err
			}
			// As deploy would: the other services at the versions the
			// current release runs, which only then asks the cluster.
			versions, err := e.Versions(c.Context, sel)
			if err != nil {
				return deployError(err)
			}
			r, err := e.Render(versions)
			if err != nil {
				return deployError(err)
			}
			phases, err := e.Phases(r)
			if err != nil {
				return deployError(err)
			}
			out, err := deploy.OrderedYAML(r, phases)
			if err != nil {
				return err
			}
			_, err = c.App.Writer.Write(out)
			return err
		},
	}
}

func historyCommand() *cli.Command {
	return &cli.Command{
		Name:  "history",
		Usage: "list the environment's recorded releases",
		Flags: envFlags(),
		Action: func(c *cli.Context) error {
			e, err := openEnv(c, "history")
			if err != nil {
				return err
			}
			all, err := e.History(c.Context)
			if err != nil {
				return deployError(err)
			}
			ns, err := e.Namespace(c.Context)
			if err != nil {
				return deployError(err)
			}
			stopped, err := stoppedRun(c, e, all)
			if err != nil {
				return deployError(err)
			}
			rep := report.HistoryReport{Command: "history", OK: true, Env: e.Name, Namespace: ns, Revisions: []report.Revision{}}
			for _, r := range all {
				rev := report.Revision{Revision: r.Revision, Status: string(r.Status), Time: r.Time, Description: r.Description}
				if r == stopped {
					rev.Status = string(release.Interrupted)
					rev.Description += ": interrupted, no run holds the environment's lock, so the run applying it stopped (the next deploy or rollback records it so)"
				}
				if len(r.Tests) > 0 {
					rev.Tests = testResults(r.Tests)
				}
				rev.Phases = phaseResults(r.Phases)
				rev.Canary = canaryResult(r.Canary)
				if p := r.PromotedFrom; p != nil {
					rev.PromotedFrom = &report.PromotedFrom{Env: p.Env, Revision: p.Revision}
				}
				for _, s := range r.Services {
					rev.Services = append(rev.Services, report.ServiceResult{Name: s.Name, Commit: s.CommitOrTag(), Reference: s.Reference, Image: s.Image.String(), Digest: s.Digest, Action: report.ActionDeployed})
				}
				rep.Revisions = append(rep.Revisions, rev)
			}
			rep.DurationMs = elapsedMs(c)
			return writeResult(c, rep, func(w io.Writer) error { return report.WriteHistoryTable(w, rep) })
		},
	}
}

func rollbackCommand() *cli.Command {
	return &cli.Command{
		Name:  "rollback",
		Usage: "re-apply an earlier release (default: the one before the current) and track it to ready",
		Flags: append(append(envFlags(), &cli.IntFlag{Name: "revision", Usage: "`REVISION` to go back to (see history; default: the one before the current)"}), rolloutFlags()[0], rolloutFlags()[2],
			&cli.BoolFlag{Name: "run-phases", Usage: "run the pre-deploy and post-deploy jobs of the release again (its migrations, say); without it they are skipped"}),
		Action: func(c *cli.Context) error {
			if c.Int("revision") < 0 {
				return usageError{errors.New("--revision must be a revision number")}
			}
			e, err := openEnv(c, "rollback")
			if err != nil {
				return err
			}
			out, err := e.Rollback(c.Context, c.Int("revision"))
			if out == nil {
				return deployError(err)
			}
			return writeDeploy(c, "rollback", out, err)
		},
	}
}

// deployFailed reports a deploy that failed before anything was applied.
func deployFailed(c *cli.Context, e *deploy.Environment, err error) error {
	return failedBeforeApply(c, "deploy", e, err)
}

// stoppedRun is the release of all left in progress by a run that no
// longer holds the environment's lock, which the next deploy or rollback
// will record as interrupted; nil when there is none.
func stoppedRun(c *cli.Context, e *deploy.Environment, all []*release.Record) (*release.Record, error) {
	if len(all) == 0 || all[len(all)-1].Status != release.InProgress {
		return nil, nil
	}
	holder, err := e.Deploying(c.Context)
	if err != nil || holder != "" {
		return nil, err
	}
	return all[len(all)-1], nil
}
