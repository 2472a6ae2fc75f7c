package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/x-platform/x-platform/internal/deploy/release"
)

// runTests runs d.Tests against the release being deployed as revision.
func (d *Deployer) runTests(ctx context.Context, revision int) ([]release.TestResult, error) {
	d.step("running %d post-deploy test(s)", len(d.Tests))
	if revision == 0 {
		// The overlay made the namespace: the record is written after the tests.
		if next, err := d.store().NextRevision(ctx); err == nil {
			revision = next
		}
	}
	r := &testRunner{
		cs: d.Cluster.Clientset, env: d.Env, ns: d.Namespace, revision: revision,
		progress: d.Progress, interval: d.Interval,
	}
	return r.run(ctx, d.Tests)
}

// TestRun is what a rerun of an environment's post-deploy tests did.
type TestRun struct {
	Env, Namespace string
	Revision       int // the release tested
	Results        []release.TestResult
}

// Passed says whether every test that ran passed; no test is a pass.
func (r *TestRun) Passed() bool {
	for _, t := range r.Results {
		if !t.Passed {
			return false
		}
	}
	return true
}

// Test reruns the environment's post-deploy tests against the release
// it runs now, with that release's recorded images, and records the
// results on it (so a later promote sees them). Nothing is rolled back:
// a failed test is a *TestFailedError. The environment is locked while
// the tests run, so no deploy changes what they test.
func (e *Environment) Test(ctx context.Context) (*TestRun, error) {
	ctx, d, unlock, err := e.lockedDeployer(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	cur, err := d.Current(ctx)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		return nil, &ConfigError{fmt.Errorf("nothing is deployed to %s: deploy it first (x-platform deploy --env %s)", e.Name, e.Name)}
	}
	versions := make([]Version, len(cur.Services))
	for i, s := range cur.Services {
		versions[i] = Version{Service: s}
		if ms := e.Manifest.Service(s.Name); ms != nil {
			versions[i].ImageName = ms.Docker.Image
		}
	}
	if d.Tests, err = e.postTests(versions); err != nil {
		return nil, err
	}
	run := &TestRun{Env: e.Name, Namespace: d.Namespace, Revision: cur.Revision, Results: []release.TestResult{}}
	if len(d.Tests) == 0 {
		e.step("%s has no post-deploy tests", e.Name)
		return run, nil
	}
	results, failure := d.runTests(ctx, cur.Revision)
	if ctx.Err() != nil {
		if lost := leaseLost(ctx); lost != nil {
			return nil, lost
		}
		return nil, fmt.Errorf("testing %s: interrupted, nothing recorded: %w", e.Name, context.Cause(ctx))
	}
	run.Results = append(run.Results, results...)
	cur.Tests = results
	rctx, cancel, err := recording(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	if err := d.store().Update(rctx, cur); err != nil {
		return run, err
	}
	return run, failure
}

// TestsNotPassedError is a promote refused because the source release's
// post-deploy tests did not all pass: some failed, or never ran on it.
type TestsNotPassedError struct {
	Env      string
	Revision int
	Problems []string
}

func (e *TestsNotPassedError) Error() string {
	return fmt.Sprintf("the post-deploy tests of %s revision %d did not pass: %s; run x-platform test --env %s",
		e.Env, e.Revision, strings.Join(e.Problems, "; "), e.Env)
}

// CheckTests is the SourceCheck of a promote from e: every post-deploy
// test the manifest gives e must have passed on rec in its last run. An
// environment without tests passes.
func (e *Environment) CheckTests(_ context.Context, rec *release.Record) error {
	results := map[string]release.TestResult{}
	for _, r := range rec.Tests {
		results[r.Name] = r
	}
	var problems []string
	for _, t := range e.Manifest.TestsFor(e.testsEnv()) {
		r, ok := results[t.Name]
		switch {
		case !ok:
			problems = append(problems, t.Name+" did not run on it")
		case !r.Passed:
			problems = append(problems, fmt.Sprintf("%s failed: %s", t.Name, r.Message))
		}
	}
	if len(problems) > 0 {
		return &TestsNotPassedError{Env: e.Name, Revision: rec.Revision, Problems: problems}
	}
	return nil
}

// IsTestFailure says whether err is a post-deploy test that failed or a
// promote refused for tests that did not pass.
func IsTestFailure(err error) bool {
	var f *TestFailedError
	var n *TestsNotPassedError
	return errors.As(err, &f) || errors.As(err, &n)
}
