package app

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/report"
)

// BenchmarkDeployNoop30 redeploys 30 unchanged services (a Deployment of 2
// replicas and a Service each) through the whole command: manifest, 30
// commits resolved in their checkouts, 30 digests asked of the registry,
// the render, a server-side dry run, the apply, the tracking and the
// release check.
func BenchmarkDeployNoop30(b *testing.B) {
	var names []string
	for i := range 30 {
		names = append(names, fmt.Sprintf("svc%02d", i))
	}
	c := newCluster(b, names...)
	c.checkout()
	c.pushAll()
	c.deploy(ExitOK)
	for b.Loop() {
		code, out, stderr := c.run(b.Context(), "json", "-q", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
		var r report.DeployReport
		if err := json.Unmarshal([]byte(out), &r); code != ExitOK || err != nil || !r.Unchanged {
			b.Fatalf("no-op deploy: exit %d, unchanged %v, %v\n%s", code, r.Unchanged, err, stderr)
		}
	}
}

// BenchmarkDeployPhase30 is BenchmarkDeployNoop30 with one pre-deploy Job:
// each round changes only the Job's command, so the 60 objects stay as
// they are while the release is new and its migration runs (on the test
// cluster a Job's pod completes at once). What a round costs beyond the
// no-op deploy is the phase: creating the Job, waiting for it, deleting it,
// and the release record written.
func BenchmarkDeployPhase30(b *testing.B) {
	var names []string
	for i := range 30 {
		names = append(names, fmt.Sprintf("svc%02d", i))
	}
	c := newCluster(b, names...)
	c.overlay("- migrate.yaml\n")
	round := 0
	migrate := func() {
		round++
		c.write("k8s/overlays/staging/migrate.yaml", fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations: {x-platform.io/phase: pre-deploy}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: migrate, image: svc00, command: [/migrate, "%d"]}
`, round))
	}
	migrate()
	c.checkout()
	c.pushAll()
	c.deploy(ExitOK)
	var phaseMs int64
	for b.Loop() {
		b.StopTimer()
		migrate()
		b.StartTimer()
		code, out, stderr := c.run(b.Context(), "json", "-q", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
		var r report.DeployReport
		if err := json.Unmarshal([]byte(out), &r); code != ExitOK || err != nil || r.Unchanged || len(r.Phases) != 1 || r.Phases[0].Status != "passed" {
			b.Fatalf("deploy with a migration: exit %d, %+v, %v\n%s", code, r.Phases, err, stderr)
		}
		phaseMs += r.Phases[0].DurationMs
	}
	// The phase's own time: the Job created, run by the cluster, seen
	// complete and deleted; the rest of a deploy is the no-op deploy's.
	b.ReportMetric(float64(phaseMs)/float64(b.N), "phase-ms/op")
	b.ReportMetric(float64(bareJob(b, c).Milliseconds()), "bare-job-ms")
}

// bareJob is the Job's own run time on the test cluster, as a client that
// watches it sees it: created, Complete (the Job controller batches pod
// events for a second before it marks a Job done), deleted.
func bareJob(b *testing.B, c *cluster) time.Duration {
	ctx, jobs := b.Context(), c.cs.BatchV1().Jobs(c.ns)
	var total time.Duration
	const rounds = 5
	for i := range rounds {
		start := time.Now()
		job := &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bare-%d", i)},
			Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever,
				Containers:    []corev1.Container{{Name: "migrate", Image: "svc00", Command: []string{"/migrate"}}},
			}}},
		}
		w, err := jobs.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + job.Name})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := jobs.Create(ctx, job, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		for ev := range w.ResultChan() {
			if j, ok := ev.Object.(*batchv1.Job); ok && jobComplete(j) {
				break
			}
		}
		w.Stop()
		background := metav1.DeletePropagationBackground
		if err := jobs.Delete(ctx, job.Name, metav1.DeleteOptions{PropagationPolicy: &background}); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	return total / rounds
}

func jobComplete(j *batchv1.Job) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == batchv1.JobComplete && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}
