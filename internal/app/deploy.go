package app

import (
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/ui"
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
		Flags: append(append(envFlags(), servicesFlag(), syncFlag(), lockedFlag()), rolloutFlags()...),
		Action: func(c *cli.Context) error {
			t, err := loadTarget(c, "deploy")
			if err != nil {
				return err
			}
			if err := t.checkOwnNamespace(); err != nil {
				return err
			}
			sel, err := t.selectServices(c)
			if err != nil {
				return err
			}
			// Images first: a missing one stops the deploy before the cluster is asked anything.
			versions, err := t.resolve(c, sel)
			if err != nil {
				return deployFailed(c, t, err)
			}
			cl, err := t.connect(c)
			if err != nil {
				return deployFailed(c, t, err)
			}
			if len(sel) < len(t.m.Services) {
				if versions, err = t.withDeployed(c, cl, versions); err != nil {
					return deployFailed(c, t, err)
				}
			}
			if err := t.checkSignatures(c.Context, released(versions)); err != nil {
				return deployFailed(c, t, err)
			}
			r, err := render.Render(t.root, t.env.Name, pins(versions))
			if err != nil {
				return deployFailed(c, t, deployError(err))
			}
			for _, name := range r.Unused {
				progress(c).Stepf("deploy", "warning: no object of overlay %s uses image %s", t.env.Name, name)
			}
			d := t.deployer(c, cl, r)
			out, err := d.Deploy(c.Context, versions, r.Objects, r.YAML)
			if out == nil {
				return deployFailed(c, t, deployError(err))
			}
			return writeDeploy(c, "deploy", d, out, err)
		},
	}
}

// withDeployed completes versions of the selected services with the
// versions the environment runs now of the others, resolving those that
// were never deployed.
func (t *target) withDeployed(c *cli.Context, cl *kube.Cluster, versions []deploy.Version) ([]deploy.Version, error) {
	r, err := render.Render(t.root, t.env.Name, nil)
	if err != nil {
		return nil, deployError(err)
	}
	cur, err := t.deployer(c, cl, r).Current(c.Context)
	if err != nil {
		return nil, err
	}
	chosen := map[string]bool{}
	for _, v := range versions {
		chosen[v.Name] = true
	}
	var rest []*manifest.Service
	for _, s := range t.m.Services {
		if chosen[s.Name] {
			continue
		}
		if cur != nil {
			if rs := cur.Service(s.Name); rs != nil {
				versions = append(versions, deploy.Version{Service: *rs, ImageName: s.Docker.Image})
				continue
			}
		}
		rest = append(rest, s)
	}
	more, err := t.resolve(c, rest)
	if err != nil {
		return nil, err
	}
	return append(versions, more...), nil
}

func (t *target) deployer(c *cli.Context, cl *kube.Cluster, r *render.Result) *deploy.Deployer {
	d := &deploy.Deployer{
		Cluster: cl, Env: t.env.Name, Namespace: t.namespace(cl, r),
		Progress: progress(c),
	}
	// A registry that cannot be set up only loses the check before a rollback.
	if reg, err := newRegistry(t.m); err == nil {
		d.Images = reg
	}
	d.Timeout = c.Duration("timeout")
	d.NoRollback, d.ForceConflicts, d.HistoryMax = c.Bool("no-rollback"), c.Bool("force-conflicts"), c.Int("history-max")
	return d
}

func renderCommand() *cli.Command {
	return &cli.Command{
		Name:  "render",
		Usage: "print the environment's final YAML, images pinned by digest, without touching the cluster",
		Flags: []cli.Flag{envFlags()[0], syncFlag(), lockedFlag()},
		Action: func(c *cli.Context) error {
			t, err := loadTarget(c, "render")
			if err != nil {
				return err
			}
			r, err := t.rendered(c)
			if err != nil {
				return err
			}
			_, err = c.App.Writer.Write(r.YAML)
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
			t, _, d, err := openEnv(c, "history")
			if err != nil {
				return err
			}
			all, err := d.History(c.Context)
			if err != nil {
				return err
			}
			rep := ui.HistoryReport{Command: "history", OK: true, Env: t.env.Name, Namespace: d.Namespace, Revisions: []ui.Revision{}}
			for _, r := range all {
				rev := ui.Revision{Revision: r.Revision, Status: string(r.Status), Time: r.Time, Description: r.Description}
				for _, s := range r.Services {
					rev.Services = append(rev.Services, ui.ServiceResult{Name: s.Name, Commit: s.Commit, Reference: s.Reference, Image: s.Image, Digest: s.Digest, Action: ui.ActionDeployed})
				}
				rep.Revisions = append(rep.Revisions, rev)
			}
			if c.String("output") == "json" {
				return ui.WriteDocument(c.App.Writer, rep)
			}
			return ui.WriteHistoryTable(c.App.Writer, rep)
		},
	}
}

func rollbackCommand() *cli.Command {
	return &cli.Command{
		Name:  "rollback",
		Usage: "re-apply an earlier release (default: the one before the current) and track it to ready",
		Flags: append(append(envFlags(), &cli.IntFlag{Name: "to", Usage: "`REVISION` to go back to (see history)"}), rolloutFlags()[0], rolloutFlags()[2]),
		Action: func(c *cli.Context) error {
			if c.Int("to") < 0 {
				return usageError{errors.New("--to must be a revision number")}
			}
			t, _, d, err := openEnv(c, "rollback")
			if err == nil {
				err = t.checkOwnNamespace()
			}
			if err != nil {
				return err
			}
			d.Verify = t.checkSignatures
			out, err := d.Rollback(c.Context, c.Int("to"))
			if out == nil {
				return deployError(err)
			}
			return writeDeploy(c, "rollback", d, out, err)
		},
	}
}

// openEnv loads the target, connects, and finds the namespace of its records,
// which may take rendering the overlay (without images) to learn.
func openEnv(c *cli.Context, command string) (*target, *kube.Cluster, *deploy.Deployer, error) {
	t, err := loadTarget(c, command)
	if err != nil {
		return nil, nil, nil, err
	}
	cl, err := t.connect(c)
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := render.Render(t.root, t.env.Name, nil)
	if err != nil {
		return nil, nil, nil, deployError(err)
	}
	return t, cl, t.deployer(c, cl, r), nil
}

// deployFailed reports a deploy that failed before anything was applied.
func deployFailed(c *cli.Context, t *target, err error) error {
	if c.String("output") == "json" {
		rep := ui.DeployReport{Report: ui.NewReport("deploy", nil), Env: t.env.Name, Namespace: t.env.Namespace, Objects: []ui.ObjectResult{}, Error: err.Error()}
		rep.OK = false
		var me *deploy.MissingImagesError
		if errors.As(err, &me) {
			for _, m := range me.Missing {
				rep.Services = append(rep.Services, ui.ServiceResult{Name: m.Service, Image: m.Image, Action: ui.ActionFailed, Error: m.Reason})
			}
		}
		var ue *UnsignedImagesError
		if errors.As(err, &ue) {
			rep.Services = append(rep.Services, ue.results()...)
		}
		if werr := ui.WriteDocument(c.App.Writer, rep); werr != nil {
			return fmt.Errorf("writing the report: %w", werr)
		}
	}
	return err
}
