package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/x-platform/x-platform/internal/deploy/apply"
	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/track"
)

// conclude rolls out the release recorded as rec in full (after its
// canary, if it had one), runs its post-deploy phase and tests, records
// how it ended and rolls a failure back to current.
func (d *Deployer) conclude(ctx context.Context, store *release.Store, a *apply.Applier, rec *release.Record, out *Outcome, current *release.Record, phases Phases, skip bool) (*Outcome, error) {
	objs := phases.Main
	if rec.Canary != nil {
		if err := d.promoteStable(ctx, rec); err != nil {
			return out, err
		}
	}
	out.Failure = d.rollout(ctx, a, objs, out)
	if rec.Canary != nil {
		if err := d.endCanary(ctx, rec, out); err != nil {
			return out, err
		}
	}
	if lost := leaseLost(ctx); lost != nil {
		return out, lost
	}
	if out.Failure == nil && current != nil && rec.Canary == nil && unchanged(out) && sameRelease(current, rec) {
		out.Revision, out.Unchanged = current.Revision, true
		d.step("nothing changed: revision %d stays deployed", current.Revision)
		return out, d.forget(ctx, store, rec)
	}
	if !skip {
		d.postDeploy(ctx, rec, out, phases)
		if lost := leaseLost(ctx); lost != nil {
			return out, lost
		}
	}
	if out.Failure == nil && len(d.Tests) > 0 {
		rec.Tests, out.Failure = d.runTests(ctx, rec.Revision)
		out.Tests = rec.Tests
		if lost := leaseLost(ctx); lost != nil {
			return out, lost
		}
	}
	settle(ctx, rec, out.Failure, "")
	if err := d.finish(ctx, store, rec); err != nil {
		return out, err
	}
	out.Revision, out.Status = rec.Revision, rec.Status
	switch rec.Status {
	case release.Deployed:
		d.step("revision %d deployed", rec.Revision)
		return out, nil
	case release.Interrupted:
		return out, &InterruptedError{Env: d.Env, Revision: rec.Revision, Deployed: current}
	case release.Unknown:
		return out, &UnknownOutcomeError{Env: d.Env, Revision: rec.Revision, Err: out.Failure}
	}
	if !d.NoRollback && current != nil {
		out.Restored = current
		if err := d.checkRestore(ctx, current); err != nil {
			out.NotRestored = err
			return out, &RolloutError{Env: d.Env, Failure: out.Failure, Out: out}
		}
		d.step("rolling back to revision %d (%s)", current.Revision, describe(current.Services))
		var err error
		out.Rollback, err = d.restore(ctx, store, current, fmt.Sprintf("rollback to %d after revision %d failed", current.Revision, rec.Revision), false)
		if err != nil {
			return out, err
		}
	}
	return out, &RolloutError{Env: d.Env, Failure: out.Failure, Out: out}
}

// rollout applies objs and tracks them, filling out.Objects.
func (d *Deployer) rollout(ctx context.Context, a *apply.Applier, objs []*unstructured.Unstructured, out *Outcome) error {
	d.step("applying %d objects to namespace %s", len(objs), d.Namespace)
	results, err := a.Apply(ctx, objs)
	var live []*unstructured.Unstructured
	index := map[object.Key]int{}
	for _, r := range results {
		if r.Live != nil {
			index[r.Ref.Key()] = len(out.Objects)
			live = append(live, r.Live)
		}
		out.Objects = append(out.Objects, ObjectOutcome{Ref: r.Ref, Action: r.Action, Err: r.Err})
		d.reportApply(r)
	}
	if err != nil {
		return fmt.Errorf("applying: %w", err)
	}
	t := &track.Tracker{
		Dynamic: d.Cluster.Dynamic, Mapper: d.Cluster.Mapper, Logs: d.Cluster,
		Selector: a.Set.Selector(), Interval: d.Interval,
		OnProgress: d.reportStatus, OnEvent: d.reportEvent, OnUnreachable: d.reportUnreachable,
		Outage: d.Outage,
	}
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	statuses, err := t.Track(ctx, live, timeout)
	for i := range statuses {
		if j, ok := index[statuses[i].Ref.Key()]; ok {
			out.Objects[j].Status = &statuses[i]
		}
	}
	var fe *track.FailedError
	if errors.As(err, &fe) {
		d.reportFailure(fe)
	}
	return err
}
