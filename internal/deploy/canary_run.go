package deploy

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/manifest"
)

// checkNoCanary refuses a deploy or rollback while a canary runs.
func (d *Deployer) checkNoCanary(ctx context.Context, store *release.Store) error {
	all, err := store.List(ctx)
	if err != nil {
		return err
	}
	if p := pendingCanary(all); p != nil {
		return &CanaryPendingError{Env: d.Env, Revision: p.Revision, Step: p.Canary.Step}
	}
	return nil
}

// canaryTargets are the Deployments a canary of objs splits: none when
// the environment has no canary or nothing is deployed yet. One that
// cannot be split is a *ConfigError.
func (d *Deployer) canaryTargets(current *release.Record, objs []*unstructured.Unstructured) ([]canaryTarget, error) {
	if d.Canary == nil || current == nil {
		return nil, nil
	}
	prev, err := appliedObjects(current.Manifest)
	if err != nil {
		return nil, fmt.Errorf("reading revision %d: %w", current.Revision, err)
	}
	targets, problems := planCanary(objs, prev)
	problems = append(problems, planRoutes(objs, targets, d.Namespace)...)
	if len(problems) > 0 {
		return nil, &ConfigError{&CanaryError{Problems: problems}}
	}
	if len(targets) == 0 {
		d.step("canary: no deployment changes its pods; the release rolls out at once")
	}
	return targets, nil
}

// startCanary records rec's canary over targets and steps it.
func (d *Deployer) startCanary(ctx context.Context, store *release.Store, rec *release.Record, out *Outcome, current *release.Record, targets []canaryTarget) (paused bool, err error) {
	rec.Canary = &release.CanaryRecord{
		Steps: d.Canary.Steps, Status: release.CanaryInProgress, Split: release.SplitReplicas,
		Manual: d.Canary.Manual, Gate: d.Canary.Gate, Workloads: canaryWorkloads(targets, d.Namespace),
	}
	for _, w := range rec.Canary.Workloads {
		if w.Service != "" {
			rec.Canary.Split = release.SplitRoute
		}
	}
	out.Canary = rec.Canary
	// Recorded before anything of it runs: a run that dies leaves a record
	// that blocks other deploys until canary abort removes what it made.
	rec.Status, rec.Description = release.Canary, "canary starting"
	if err := d.save(ctx, store, rec); err != nil {
		return false, err
	}
	return d.stepCanary(ctx, store, rec, out, current)
}

// stepCanary moves rec's canary on from where it stands: one step when
// it is promoted by hand (paused then), else every step, waiting the
// pause between them. It returns once the last step passed, for the full
// rollout. A step that fails, a failed gate or an interruption aborts the
// canary: the error is then a *CanaryAbortedError.
func (d *Deployer) stepCanary(ctx context.Context, store *release.Store, rec *release.Record, out *Outcome, current *release.Record) (paused bool, err error) {
	wants, err := objectsByKey(rec.Manifest, d.Namespace)
	if err != nil {
		return false, fmt.Errorf("reading revision %d: %w", rec.Revision, err)
	}
	c := rec.Canary
	for {
		p, final := c.Next()
		if final {
			return false, nil
		}
		d.step("canary: the new version takes %d%% of the traffic", p)
		err := d.canaryStep(ctx, c, wants, p)
		if err == nil && c.Gate == manifest.GateTests && len(d.Tests) > 0 {
			all := d.Tests
			d.Tests = gateTests(all, c, p)
			rec.Tests, err = d.runTests(ctx, rec.Revision)
			d.Tests = all
			out.Tests = rec.Tests
		}
		if err == nil {
			err = context.Cause(ctx)
		}
		if err != nil {
			return false, d.abortCanary(ctx, store, rec, out, current, err)
		}
		c.Step = p
		rec.Status, rec.Description = release.Canary, describeStep(c)
		if err := d.save(ctx, store, rec); err != nil {
			return false, err
		}
		out.Revision, out.Status = rec.Revision, rec.Status
		if c.Manual {
			d.step("%s: promote it with x-platform canary promote --env %s, or abort it with x-platform canary abort --env %s", rec.Description, d.Env, d.Env)
			return true, nil
		}
		if pause := d.canaryPause(); pause > 0 {
			d.step("%s: the next step in %s", rec.Description, pause)
			select {
			case <-ctx.Done():
				return false, d.abortCanary(ctx, store, rec, out, current, context.Cause(ctx))
			case <-time.After(pause):
			}
		}
	}
}

// abortCanary removes rec's canary, gives the stable Deployments back
// their replicas and records rec as failed (interrupted when ctx ended),
// cause saying why; a nil cause is canary abort, which is no failure.
func (d *Deployer) abortCanary(ctx context.Context, store *release.Store, rec *release.Record, out *Outcome, current *release.Record, cause error) error {
	if lost := leaseLost(ctx); lost != nil {
		return lost
	}
	c := rec.Canary
	d.step("canary: aborting at %d%%, removing the canary", c.Step)
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.timeout())
	defer cancel()
	// The routes go back as the release deployed before has them.
	routes := map[string]*unstructured.Unstructured{}
	if current != nil {
		routes, _ = objectsByKey(current.Manifest, d.Namespace)
	}
	if err := d.restoreStable(bg, c, false, routes); err != nil {
		return fmt.Errorf("aborting the canary of revision %d (run x-platform canary abort --env %s again): %w", rec.Revision, d.Env, err)
	}
	if err := d.deleteCanary(bg, c); err != nil {
		return fmt.Errorf("aborting the canary of revision %d (run x-platform canary abort --env %s again): %w", rec.Revision, d.Env, err)
	}
	if err := d.waitStable(bg, c); err != nil {
		return fmt.Errorf("aborting the canary of revision %d: %w", rec.Revision, err)
	}
	c.Status = release.CanaryAborted
	rec.Status, rec.Description = release.Failed, fmt.Sprintf("canary aborted at %d%%", c.Step)
	if cause != nil {
		c.Message = cause.Error()
		rec.Description += ": " + cause.Error()
		if ctx.Err() != nil {
			rec.Status = release.Interrupted
		}
	}
	out.Failure = cause
	if err := d.finish(ctx, store, rec); err != nil {
		return err
	}
	out.Revision, out.Status = rec.Revision, rec.Status
	return &CanaryAbortedError{Env: d.Env, Revision: rec.Revision, Step: c.Step, Cause: cause, Deployed: current}
}

// promoteStable readies the full rollout after the last step: the stable
// Deployments get the release's replicas back, the value its apply sets.
func (d *Deployer) promoteStable(ctx context.Context, rec *release.Record) error {
	d.step("canary: every step passed, rolling the release out in full")
	routes, err := objectsByKey(rec.Manifest, d.Namespace)
	if err != nil {
		return fmt.Errorf("reading revision %d: %w", rec.Revision, err)
	}
	if err := d.restoreStable(ctx, rec.Canary, true, routes); err != nil {
		return fmt.Errorf("promoting the canary of revision %d: %w", rec.Revision, err)
	}
	return nil
}

// endCanary removes the canary once the full rollout ended, whatever its
// outcome: only the release rolled out, or the one restored, runs then.
func (d *Deployer) endCanary(ctx context.Context, rec *release.Record, out *Outcome) error {
	c := rec.Canary
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.timeout())
	defer cancel()
	if err := d.deleteCanary(bg, c); err != nil {
		return fmt.Errorf("removing the canary of revision %d: %w", rec.Revision, err)
	}
	if out.Failure == nil {
		c.Status, c.Step = release.CanaryPromoted, 100
	} else {
		c.Status, c.Message = release.CanaryAborted, out.Failure.Error()
	}
	return nil
}

// save writes rec as it stands.
func (d *Deployer) save(ctx context.Context, store *release.Store, rec *release.Record) error {
	ctx, cancel, err := recording(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	return store.Update(ctx, rec)
}

func (d *Deployer) canaryPause() time.Duration {
	if d.Canary == nil {
		return 0
	}
	return d.Canary.Pause
}

// Variables the containers of a gate's test Jobs get, so that a test can
// reach the canary itself: a split by route keeps it out of the stable
// Service.
const (
	CanaryPercentVar  = "XP_CANARY_PERCENT"  // the step's share, such as 10
	CanaryServicesVar = "XP_CANARY_SERVICES" // the canary Services of a split by route, comma-separated
)

// gateTests are tests as a canary's gate at percent runs them: copies of
// their Jobs with CanaryPercentVar and CanaryServicesVar set.
func gateTests(tests []PostTest, c *release.CanaryRecord, percent int) []PostTest {
	var services []string
	for _, w := range c.Workloads {
		if w.Service != "" {
			services = append(services, w.Service+canarySuffix)
		}
	}
	env := []corev1.EnvVar{
		{Name: CanaryPercentVar, Value: strconv.Itoa(percent)},
		{Name: CanaryServicesVar, Value: strings.Join(services, ",")},
	}
	out := make([]PostTest, len(tests))
	for i, t := range tests {
		out[i] = t
		out[i].Jobs = make([]*batchv1.Job, len(t.Jobs))
		for j, job := range t.Jobs {
			job = job.DeepCopy()
			spec := &job.Spec.Template.Spec
			for _, list := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
				for k := range list {
					list[k].Env = append(list[k].Env, env...)
				}
			}
			out[i].Jobs[j] = job
		}
	}
	return out
}
