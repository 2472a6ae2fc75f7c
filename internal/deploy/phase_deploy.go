package deploy

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/x-platform/x-platform/internal/deploy/release"
)

// PhaseStoppedError is a release stopped by a pre-deploy Job that failed:
// nothing of its main phase was applied, so the environment runs the
// release it ran before, untouched.
type PhaseStoppedError struct {
	Env      string
	Revision int // the failed release's record
	Failure  *PhaseFailedError
	Deployed *release.Record // the release that still runs; nil for a first deploy
}

func (e *PhaseStoppedError) Error() string {
	still := "nothing was deployed before"
	if e.Deployed != nil {
		still = fmt.Sprintf("%s runs revision %d as before", e.Env, e.Deployed.Revision)
	}
	msg := fmt.Sprintf("deploying to %s stopped (revision %d): %v; nothing of the release was applied: %s",
		e.Env, e.Revision, e.Failure, still)
	if n := len(e.Failure.Logs); n > 0 {
		msg += "\nlast log lines of job/" + e.Failure.Job + ":\n  " + strings.Join(e.Failure.Logs, "\n  ")
	}
	return msg
}
func (e *PhaseStoppedError) Unwrap() error { return e.Failure }

// splitPhases splits objs for a deploy or rollback; a bad annotation is a
// *ConfigError found before anything is applied.
func splitPhases(objs []*unstructured.Unstructured) (Phases, error) {
	p, err := SplitPhases(objs)
	if err != nil {
		return Phases{}, &ConfigError{err}
	}
	return p, nil
}

// skipPhases says whether a deploy of rec redeploys current as it is: its
// phases ran with it and do not run again.
func (d *Deployer) skipPhases(current, rec *release.Record, p Phases) bool {
	if p.Empty() || current == nil || current.Status != release.Deployed || !sameRelease(current, rec) {
		return false
	}
	d.step("revision %d is this same release: its phases (%s) do not run again", current.Revision, phaseNames(p))
	return true
}

// preDeploy runs the pre-deploy Jobs of a release recorded as rec. When
// one fails or the run is stopped it records rec as failed or interrupted
// and returns the error that ends the deploy; out says what ran.
func (d *Deployer) preDeploy(ctx context.Context, store *release.Store, rec *release.Record, out *Outcome, current *release.Record, p Phases) error {
	if len(p.Pre) == 0 {
		return nil
	}
	d.step("running %d pre-deploy job(s) before anything of the release is applied", len(p.Pre))
	results, err := d.phaseRunner(rec.Revision).run(ctx, PreDeploy, p.Pre)
	rec.Phases = append(rec.Phases, results...)
	out.Phases = rec.Phases
	if err == nil {
		return nil
	}
	if lost := leaseLost(ctx); lost != nil {
		return lost
	}
	out.Failure = err
	settle(ctx, rec, err, "")
	if ferr := d.finish(ctx, store, rec); ferr != nil {
		return ferr
	}
	out.Revision, out.Status = rec.Revision, rec.Status
	if rec.Status == release.Interrupted {
		return &InterruptedError{Env: d.Env, Revision: rec.Revision, Deployed: current}
	}
	pf, ok := err.(*PhaseFailedError)
	if !ok {
		return fmt.Errorf("running the pre-deploy jobs: %w", err)
	}
	return &PhaseStoppedError{Env: d.Env, Revision: rec.Revision, Failure: pf, Deployed: current}
}

// postDeploy runs the post-deploy Jobs once the main objects are ready;
// one that fails fails the rollout.
func (d *Deployer) postDeploy(ctx context.Context, rec *release.Record, out *Outcome, p Phases) {
	if len(p.Post) == 0 || out.Failure != nil {
		return
	}
	d.step("running %d post-deploy job(s)", len(p.Post))
	results, err := d.phaseRunner(rec.Revision).run(ctx, PostDeploy, p.Post)
	rec.Phases = append(rec.Phases, results...)
	out.Phases = rec.Phases
	out.Failure = err
}

// phaseNames lists the Jobs of p as "pre-deploy: migrate; post-deploy: notify".
func phaseNames(p Phases) string {
	var parts []string
	for _, ph := range []struct {
		name Phase
		jobs []PhaseJob
	}{{PreDeploy, p.Pre}, {PostDeploy, p.Post}} {
		if len(ph.jobs) == 0 {
			continue
		}
		names := make([]string, len(ph.jobs))
		for i, j := range ph.jobs {
			names[i] = j.Job.Name
		}
		parts = append(parts, string(ph.name)+": "+strings.Join(names, ", "))
	}
	return strings.Join(parts, "; ")
}

// appliedObjects reads the objects of a release's manifest that its
// rollout applies and tracks: all but its phase Jobs, which run once.
func appliedObjects(manifest []byte) ([]*unstructured.Unstructured, error) {
	objs, err := ParseObjects(manifest)
	if err != nil {
		return nil, err
	}
	out := objs[:0]
	for _, o := range objs {
		if maskedSOPS(o) {
			withoutValues(o)
		}
		if _, ok := o.GetAnnotations()[PhaseAnnotation]; !ok {
			out = append(out, o)
		}
	}
	return out, nil
}
