package app

import (
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/apply"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/junit"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/shortsha"
)

// writeDeploy prints the report of a deploy or rollback that got as far as
// applying, and passes its error on for stderr and the exit code.
func writeDeploy(c *cli.Context, command string, out *deploy.Outcome, runErr error) error {
	rep := deployReport(command, out, runErr)
	rep.DurationMs = elapsedMs(c)
	summarize(c, func(w io.Writer) error {
		if err := report.WriteSummary(w, command+" "+rep.Env, rep.Report); err != nil {
			return err
		}
		return report.WriteTestSummary(w, rep.Tests)
	})
	if err := writeResult(c, rep, func(w io.Writer) error { return report.WriteDeployTable(w, rep) }); err != nil {
		return err
	}
	if err := writeJUnit(c, command, junit.NewSuite(rep.Env, testCases(rep.Env, rep.Tests))); err != nil {
		return err
	}
	return deployError(runErr)
}

// failedBeforeApply reports, with -o json, a command refused before
// anything was applied to e, naming the services at fault, and passes err
// on for stderr and the exit code.
func failedBeforeApply(c *cli.Context, command string, e *deploy.Environment, err error) error {
	if outputFormat(c) != "json" {
		return err
	}
	rep := report.DeployReport{Report: report.NewReport(command, nil), Env: e.Name, Namespace: e.Settings.Namespace, Objects: []report.ObjectResult{}, Error: err.Error()}
	rep.OK = false
	var me *deploy.MissingImagesError
	if errors.As(err, &me) {
		for _, m := range me.Missing {
			rep.Services = append(rep.Services, report.ServiceResult{Name: m.Service, Image: m.Image, Action: report.ActionFailed, Error: m.Reason})
		}
	}
	var ue *UnsignedImagesError
	if errors.As(err, &ue) {
		rep.Services = append(rep.Services, ue.results()...)
	}
	var ve *VulnerableImagesError
	if errors.As(err, &ve) {
		rep.Services = append(rep.Services, ve.results()...)
	}
	rep.DurationMs = elapsedMs(c)
	if werr := report.JSON(c.App.Writer, rep); werr != nil {
		return fmt.Errorf("writing the report: %w", werr)
	}
	return err
}

func deployReport(command string, out *deploy.Outcome, runErr error) report.DeployReport {
	rep := report.DeployReport{
		Report: report.Report{Command: command, OK: runErr == nil, Services: []report.ServiceResult{}},
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
	action := report.ActionDeployed
	switch {
	case out.Unchanged:
		action = report.ActionUnchanged
	case out.Failure != nil && out.Restored != nil && out.Rollback != nil && out.Rollback.Failure == nil:
		action = report.ActionRolledBack
		rep.RolledBackTo, rep.RollbackRevision = out.Restored.Revision, out.Rollback.Revision
		// What runs now is the restored release; its objects are the ones to show.
		rep.Objects = append(rep.Objects, objectResults(out.Rollback.Objects)...)
	case out.Failure != nil:
		action = report.ActionFailed
	}
	for _, v := range out.Versions {
		s := serviceResult(v, action)
		if action == report.ActionRolledBack {
			if prev := out.Restored.Service(v.Name); prev != nil {
				s.Error = fmt.Sprintf("deploying %s failed; restored %s", shortsha.Commit(v.CommitOrTag()), shortsha.Commit(prev.CommitOrTag()))
				s.Commit, s.Image, s.Digest = prev.CommitOrTag(), prev.Image.String(), prev.Digest
			}
		}
		rep.Services = append(rep.Services, s)
	}
	return rep
}

func serviceResult(v release.Service, action report.Action) report.ServiceResult {
	return report.ServiceResult{Name: v.Name, Commit: v.CommitOrTag(), Reference: v.Reference, Image: v.Image.String(), Digest: v.Digest, Action: action}
}

func objectResults(objs []deploy.ObjectOutcome) []report.ObjectResult {
	out := []report.ObjectResult{}
	for _, o := range objs {
		r := report.ObjectResult{
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

func phaseResults(rs []release.PhaseResult) []report.PhaseResult {
	var out []report.PhaseResult
	for _, r := range rs {
		out = append(out, report.PhaseResult{
			Phase: r.Phase, Name: r.Name, Job: r.Job, Status: string(r.Status),
			Message: r.Message, Logs: r.Logs, DurationMs: r.DurationMs,
		})
	}
	return out
}

// canaryResult is how reports show a release's canary; nil for none.
func canaryResult(c *release.CanaryRecord) *report.CanaryResult {
	if c == nil {
		return nil
	}
	return &report.CanaryResult{Steps: c.Steps, Step: c.Step, Status: string(c.Status), Split: c.Split}
}
