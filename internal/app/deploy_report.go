package app

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/apply"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/jsonout"
	"github.com/x-platform/x-platform/internal/junit"
	"github.com/x-platform/x-platform/internal/shortsha"
	"github.com/x-platform/x-platform/internal/ui"
)

// writeDeploy prints the report of a deploy or rollback that got as far as
// applying, and passes its error on for stderr and the exit code.
func writeDeploy(c *cli.Context, command string, out *deploy.Outcome, runErr error) error {
	rep := deployReport(command, out, runErr)
	rep.DurationMs = elapsedMs(c)
	summarize(c, func(w io.Writer) error {
		if err := ui.WriteSummary(w, command+" "+rep.Env, rep.Report); err != nil {
			return err
		}
		return ui.WriteTestSummary(w, rep.Tests)
	})
	var err error
	if outputFormat(c) == "json" {
		err = jsonout.Write(c.App.Writer, rep)
	} else {
		err = ui.WriteDeployTable(c.App.Writer, rep)
	}
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if err := writeJUnit(c, command, junit.NewSuite(rep.Env, testCases(rep.Env, rep.Tests))); err != nil {
		return err
	}
	return deployError(runErr)
}

func deployReport(command string, out *deploy.Outcome, runErr error) ui.DeployReport {
	rep := ui.DeployReport{
		Report: ui.Report{Command: command, OK: runErr == nil, Services: []ui.ServiceResult{}},
		Env:    out.Env, Namespace: out.Namespace, Revision: out.Revision, Unchanged: out.Unchanged,
		Objects: objectResults(out.Objects),
	}
	if len(out.Tests) > 0 {
		rep.Tests = testResults(out.Tests)
	}
	rep.Phases = phaseResults(out.Phases)
	rep.Canary = canaryResult(out.Canary)
	if runErr != nil {
		rep.Error = runErr.Error()
	}
	action := ui.ActionDeployed
	switch {
	case out.Unchanged:
		action = ui.ActionUnchanged
	case out.Failure != nil && out.Restored != nil && out.Rollback != nil && out.Rollback.Failure == nil:
		action = ui.ActionRolledBack
		rep.RolledBackTo, rep.RollbackRevision = out.Restored.Revision, out.Rollback.Revision
		// What runs now is the restored release; its objects are the ones to show.
		rep.Objects = append(rep.Objects, objectResults(out.Rollback.Objects)...)
	case out.Failure != nil:
		action = ui.ActionFailed
	}
	for _, v := range out.Versions {
		s := serviceResult(v, action)
		if action == ui.ActionRolledBack {
			if prev := out.Restored.Service(v.Name); prev != nil {
				s.Error = fmt.Sprintf("deploying %s failed; restored %s", shortsha.Commit(v.CommitOrTag()), shortsha.Commit(prev.CommitOrTag()))
				s.Commit, s.Image, s.Digest = prev.CommitOrTag(), prev.Image, prev.Digest
			}
		}
		rep.Services = append(rep.Services, s)
	}
	return rep
}

func serviceResult(v release.Service, action ui.Action) ui.ServiceResult {
	return ui.ServiceResult{Name: v.Name, Commit: v.CommitOrTag(), Reference: v.Reference, Image: v.Image, Digest: v.Digest, Action: action}
}

func objectResults(objs []deploy.ObjectOutcome) []ui.ObjectResult {
	out := []ui.ObjectResult{}
	for _, o := range objs {
		r := ui.ObjectResult{
			APIVersion: o.Ref.APIVersion(), Kind: o.Ref.Kind, Namespace: o.Ref.Namespace, Name: o.Ref.Name,
			Action: string(o.Action),
		}
		if o.Err != nil {
			r.Error = o.Err.Error()
		}
		if s := o.Status; s != nil && o.Action != apply.Pruned && o.Action != apply.Orphaned {
			r.Rollout, r.Cause = string(s.State), s.Cause
			if s.Replicas {
				r.Ready = fmt.Sprintf("%d/%d", s.Ready, s.Desired)
			}
			if s.Cause != "" {
				r.Message = s.Summary()
			}
		}
		out = append(out, r)
	}
	return out
}

func phaseResults(rs []release.PhaseResult) []ui.PhaseResult {
	var out []ui.PhaseResult
	for _, r := range rs {
		out = append(out, ui.PhaseResult{
			Phase: r.Phase, Name: r.Name, Job: r.Job, Status: string(r.Status),
			Message: r.Message, Logs: r.Logs, DurationMs: r.DurationMs,
		})
	}
	return out
}

// canaryResult is how reports show a release's canary; nil for none.
func canaryResult(c *release.CanaryRecord) *ui.CanaryResult {
	if c == nil {
		return nil
	}
	return &ui.CanaryResult{Steps: c.Steps, Step: c.Step, Status: string(c.Status), Split: c.Split}
}
