package deploy

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/ui"
)

// Labels of a test Job and its pods.
const (
	TestLabel         = "x-platform.io/test"
	TestRevisionLabel = "x-platform.io/test-revision"
)

// testRunner runs post-deploy tests as Jobs in one namespace. A Job that
// passed is deleted; the last failed run of each test is kept for
// kubectl describe and logs, until the test runs again.
type testRunner struct {
	cs       kubernetes.Interface
	env, ns  string
	revision int
	progress *ui.Progress
	// interval between polls of a Job; 0 means from 100ms, doubling up
	// to 500ms, so that a short Job is seen done soon after it is.
	interval time.Duration
	// logs streams the pods' output; nil reads it from cs.
	logs LogStreamer
}

// run runs tests in order, stopping at the first that fails: its error
// is a *TestFailedError, or the context's when the run was stopped.
func (r *testRunner) run(ctx context.Context, tests []PostTest) ([]release.TestResult, error) {
	var out []release.TestResult
	for _, t := range tests {
		res, err := r.runTest(ctx, t)
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		out = append(out, res)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func (r *testRunner) runTest(ctx context.Context, t PostTest) (res release.TestResult, err error) {
	res = release.TestResult{Name: t.Name, Time: time.Now().UTC()}
	defer func() { res.DurationMs = time.Since(res.Time).Milliseconds() }()
	r.step(t.Name, "running post-deploy test (%d job(s), timeout %s)", len(t.Jobs), t.Timeout)
	if err := r.dropEarlier(ctx, t.Name); err != nil {
		r.step(t.Name, "warning: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()
	var names []string
	for _, tmpl := range t.Jobs {
		job, err := r.create(ctx, t.Name, tmpl)
		if err != nil {
			res.Message = err.Error()
			return res, &TestFailedError{Test: t.Name, Reason: res.Message}
		}
		names = append(names, job.Name)
	}
	res.Job = strings.Join(names, ",")
	for _, name := range names {
		reason, err := r.wait(ctx, testPrefix(t.Name), name)
		if err == nil && reason == "" {
			continue
		}
		if err != nil {
			reason = err.Error()
			if errors.Is(err, context.DeadlineExceeded) {
				reason = fmt.Sprintf("did not finish within %s", t.Timeout)
			}
			// Stopped or timed out: its pods must not run on.
			r.delete(name)
		}
		res.Message = reason
		r.done(t.Name, false, "job/%s failed: %s", name, reason)
		return res, &TestFailedError{Test: t.Name, Job: name, Reason: reason}
	}
	for _, name := range names {
		r.delete(name)
	}
	res.Passed, res.Message = true, "passed"
	r.done(t.Name, true, "passed (%s)", res.Job)
	return res, nil
}

// create makes one run of tmpl, labelled with the environment, the
// revision under test and the test's name.
func (r *testRunner) create(ctx context.Context, test string, tmpl *batchv1.Job) (*batchv1.Job, error) {
	j := tmpl.DeepCopy()
	j.ObjectMeta = metav1.ObjectMeta{
		Name: testJobName(tmpl.Name, r.revision, utilrand.String(5)), Namespace: r.ns,
		Labels: withLabels(tmpl.Labels, r.labels(test)), Annotations: tmpl.Annotations,
	}
	j.Spec.Template.Labels = withLabels(j.Spec.Template.Labels, r.labels(test))
	created, err := r.cs.BatchV1().Jobs(r.ns).Create(ctx, j, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("creating the job of test %s: %w", test, err)
	}
	r.step(test, "job/%s created", created.Name)
	return created, nil
}

func (r *testRunner) labels(test string) map[string]string {
	return map[string]string{
		release.EnvLabel: r.env, TestLabel: test, TestRevisionLabel: strconv.Itoa(r.revision),
	}
}

func withLabels(own, more map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range own {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// wait polls job name until it completes ("") or fails (the reason),
// streaming the logs of its pods meanwhile under prefix.
func (r *testRunner) wait(ctx context.Context, prefix, name string) (string, error) {
	logs := newLogFollower(r.streamer(), r.ns, r.progress, prefix)
	defer logs.stop()
	interval, ceiling := r.interval, r.interval
	if interval <= 0 {
		interval, ceiling = 100*time.Millisecond, 500*time.Millisecond
	}
	jobs, pods := r.cs.BatchV1().Jobs(r.ns), r.cs.CoreV1().Pods(r.ns)
	selector := "batch.kubernetes.io/job-name=" + name
	for {
		job, err := jobs.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", fmt.Errorf("reading job/%s: %w", name, err)
		}
		list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err == nil {
			logs.follow(ctx, list.Items)
		}
		if done, failed := finished(job); done {
			logs.drain(5 * time.Second)
			if !failed {
				return "", nil
			}
			var items []corev1.Pod
			if list != nil {
				items = list.Items
			}
			return failureReason(job, items), nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(interval):
		}
		interval = min(2*interval, ceiling)
	}
}

// finished says whether job is over, and whether it failed.
func finished(job *batchv1.Job) (done, failed bool) {
	for _, c := range job.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			return true, false
		case batchv1.JobFailed:
			return true, true
		}
	}
	return false, false
}

// failureReason names the containers that failed and how they ended,
// else the Job's own failure condition.
func failureReason(job *batchv1.Job, pods []corev1.Pod) string {
	var out []string
	for _, p := range pods {
		for _, s := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
			if t := s.State.Terminated; t != nil && t.ExitCode != 0 {
				reason := t.Reason
				if reason == "" {
					reason = "terminated"
				}
				msg := fmt.Sprintf("pod/%s container %s: %s (exit code %d)", p.Name, s.Name, reason, t.ExitCode)
				if t.Message != "" {
					msg += ": " + t.Message
				}
				out = append(out, msg)
			}
		}
	}
	if len(out) > 0 {
		return strings.Join(out, "; ")
	}
	for _, c := range job.Status.Conditions {
		if c.Type == batchv1.JobFailed && c.Status == corev1.ConditionTrue {
			return strings.TrimSpace(fmt.Sprintf("%s: %s", c.Reason, c.Message))
		}
	}
	return "the job failed"
}

// dropEarlier deletes the Jobs earlier runs of test left behind.
func (r *testRunner) dropEarlier(ctx context.Context, test string) error {
	sel := release.EnvLabel + "=" + r.env + "," + TestLabel + "=" + test
	bg := metav1.DeletePropagationBackground
	err := r.cs.BatchV1().Jobs(r.ns).DeleteCollection(ctx, metav1.DeleteOptions{PropagationPolicy: &bg}, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return fmt.Errorf("deleting the jobs of earlier runs of %s: %w", test, err)
	}
	return nil
}

// delete removes a Job and, in the background, its pods; it outlives a
// cancelled run, whose Job must not go on.
func (r *testRunner) delete(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	bg := metav1.DeletePropagationBackground
	if err := r.cs.BatchV1().Jobs(r.ns).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg}); err != nil {
		r.step("", "warning: deleting job/%s: %v", name, err)
	}
}

func (r *testRunner) streamer() LogStreamer {
	if r.logs != nil {
		return r.logs
	}
	return ClientsetLogs{r.cs}
}

func (r *testRunner) step(test, format string, args ...any) {
	if r.progress != nil {
		r.progress.Stepf(testPrefix(test), format, args...)
	}
}

func (r *testRunner) done(test string, ok bool, format string, args ...any) {
	if r.progress != nil {
		r.progress.Donef(testPrefix(test), ok, format, args...)
	}
}

func testPrefix(test string) string {
	if test == "" {
		return stepPrefix
	}
	return "test/" + test
}
