package deploy

import (
	"bufio"
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

	"github.com/x-platform/x-platform/internal/deploy/release"
)

// Labels of a phase Job and its pods.
const (
	PhaseLabel         = "x-platform.io/phase"
	PhaseJobLabel      = "x-platform.io/phase-job"
	PhaseRevisionLabel = "x-platform.io/phase-revision"
)

// logTailLines is how many of a failed Job's last log lines are recorded.
const logTailLines = 20

// PhaseFailedError is a phase Job that did not complete.
type PhaseFailedError struct {
	Phase Phase
	Name  string // the Job's name in the overlay
	Job   string // the name of its run; "" when none was created
	// Reason says why: the failing container's termination reason and
	// exit code, the Job's own condition, or a timeout.
	Reason string
	Logs   []string // the failed pod's last lines
}

func (e *PhaseFailedError) Error() string {
	job := e.Name
	if e.Job != "" {
		job = "job/" + e.Job
	}
	return fmt.Sprintf("%s job %s failed (%s): %s", e.Phase, e.Name, job, e.Reason)
}

// phaseRunner runs the Jobs of a phase as the post-deploy tests run theirs:
// one run per revision under a name of its own, the passed ones deleted,
// the last failed run of each kept until that Job runs again.
type phaseRunner struct {
	*testRunner
	timeout time.Duration
}

func (d *Deployer) phaseRunner(revision int) *phaseRunner {
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	return &phaseRunner{
		testRunner: &testRunner{
			cs: d.Cluster.Clientset, env: d.Env, ns: d.Namespace, revision: revision,
			progress: d.Progress, interval: d.Interval,
		},
		timeout: timeout,
	}
}

// run runs jobs one after another, stopping at the first that fails: its
// error is a *PhaseFailedError, or the context's when the run was stopped.
func (r *phaseRunner) run(ctx context.Context, phase Phase, jobs []PhaseJob) ([]release.PhaseResult, error) {
	var out []release.PhaseResult
	for _, pj := range jobs {
		res, err := r.runJob(ctx, phase, pj)
		out = append(out, res)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func (r *phaseRunner) runJob(ctx context.Context, phase Phase, pj PhaseJob) (res release.PhaseResult, err error) {
	name := pj.Job.Name
	prefix := string(phase) + "/" + name
	res = release.PhaseResult{Phase: string(phase), Name: name, Time: time.Now().UTC()}
	defer func() { res.DurationMs = time.Since(res.Time).Milliseconds() }()
	fail := func(job, reason string, logs []string) (release.PhaseResult, error) {
		res.Status, res.Message, res.Logs = release.PhaseFailed, reason, logs
		if ctx.Err() != nil {
			res.Status = release.PhaseInterrupted
			return res, ctx.Err()
		}
		return res, &PhaseFailedError{Phase: phase, Name: name, Job: job, Reason: reason, Logs: logs}
	}
	if err := r.dropEarlierRuns(ctx, name); err != nil {
		r.say(prefix, "warning: %v", err)
	}
	jctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	job, err := r.createRun(jctx, phase, pj.Job)
	if err != nil {
		return fail("", err.Error(), nil)
	}
	res.Job = job
	r.say(prefix, "job/%s created (timeout %s)", job, r.timeout)
	reason, err := r.wait(jctx, prefix, job)
	if err == nil && reason == "" {
		r.delete(job)
		res.Status = release.PhasePassed
		r.end(prefix, true, "job/%s complete", job)
		return res, nil
	}
	if err != nil {
		reason = err.Error()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			reason = fmt.Sprintf("did not finish within %s", r.timeout)
		}
		// Stopped or timed out: its pods must not run on.
		r.delete(job)
	}
	logs := r.logTail(job)
	r.end(prefix, false, "job/%s failed: %s", job, reason)
	for _, l := range logs {
		r.say(prefix, "| %s", l)
	}
	return fail(job, reason, logs)
}

// createRun makes this revision's run of tmpl, labelled with the
// environment, the phase, the Job's name and the revision.
func (r *phaseRunner) createRun(ctx context.Context, phase Phase, tmpl *batchv1.Job) (string, error) {
	labels := map[string]string{
		PhaseLabel: string(phase), PhaseJobLabel: tmpl.Name, PhaseRevisionLabel: strconv.Itoa(r.revision),
	}
	if r.env != "" {
		labels[release.EnvLabel] = r.env
	}
	j := tmpl.DeepCopy()
	j.ObjectMeta = metav1.ObjectMeta{
		Name: testJobName(tmpl.Name, r.revision, utilrand.String(5)), Namespace: r.ns,
		Labels: withLabels(tmpl.Labels, labels), Annotations: tmpl.Annotations,
	}
	j.Spec.Template.Labels = withLabels(j.Spec.Template.Labels, labels)
	if j.Spec.BackoffLimit == nil {
		j.Spec.BackoffLimit = new(int32)
	}
	if j.Spec.Template.Spec.RestartPolicy == "" {
		j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
	}
	created, err := r.cs.BatchV1().Jobs(r.ns).Create(ctx, j, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("creating the run of %s job %s: %w", phase, tmpl.Name, err)
	}
	return created.Name, nil
}

// dropEarlierRuns deletes the runs of the Job that earlier releases left.
func (r *phaseRunner) dropEarlierRuns(ctx context.Context, name string) error {
	sel := release.EnvLabel + "=" + r.env + "," + PhaseJobLabel + "=" + name
	bg := metav1.DeletePropagationBackground
	err := r.cs.BatchV1().Jobs(r.ns).DeleteCollection(ctx, metav1.DeleteOptions{PropagationPolicy: &bg}, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return fmt.Errorf("deleting the earlier runs of job %s: %w", name, err)
	}
	return nil
}

// logTail reads the last lines of the failed containers of job's pods
// (of every container when none failed). Logs are a help: a pod whose
// logs cannot be read gives none.
func (r *phaseRunner) logTail(job string) []string {
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	pods, err := r.cs.CoreV1().Pods(r.ns).List(ctx, metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + job})
	if err != nil {
		return nil
	}
	var out []string
	tail := int64(logTailLines)
	for _, p := range pods.Items {
		for _, c := range failedContainers(p) {
			data, err := r.cs.CoreV1().Pods(r.ns).GetLogs(p.Name, &corev1.PodLogOptions{Container: c, TailLines: &tail}).DoRaw(ctx)
			if err != nil {
				continue
			}
			sc := bufio.NewScanner(strings.NewReader(string(data)))
			for sc.Scan() {
				out = append(out, sc.Text())
			}
		}
	}
	if len(out) > logTailLines {
		out = out[len(out)-logTailLines:]
	}
	return out
}

// failedContainers names the containers of p that ended with an error,
// else all of them.
func failedContainers(p corev1.Pod) []string {
	var failed, all []string
	for _, s := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
		all = append(all, s.Name)
		if t := s.State.Terminated; t != nil && t.ExitCode != 0 {
			failed = append(failed, s.Name)
		}
	}
	if len(failed) > 0 {
		return failed
	}
	if len(all) == 0 {
		for _, c := range p.Spec.Containers {
			all = append(all, c.Name)
		}
	}
	return all
}

func (r *phaseRunner) say(prefix, format string, args ...any) {
	if r.progress != nil {
		r.progress.Stepf(prefix, format, args...)
	}
}

func (r *phaseRunner) end(prefix string, ok bool, format string, args ...any) {
	if r.progress != nil {
		r.progress.Donef(prefix, ok, format, args...)
	}
}
