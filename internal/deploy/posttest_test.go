package deploy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/ui"
)

func TestPostTestJobs(t *testing.T) {
	t.Parallel()
	m := newPlatform(t, "reg.example.com/x", "x-staging", "a")
	writeFile(t, m.Root, "k8s/tests/smoke/kustomization.yaml", "resources: [job.yaml]\n")
	writeFile(t, m.Root, "k8s/tests/smoke/job.yaml", `apiVersion: batch/v1
kind: Job
metadata: {name: smoke}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: check, image: "a:latest", command: [check]}
      - {name: other, image: "tools/curl:8"}
`)
	m.Tests = []manifest.Test{
		{Name: "smoke", Env: "staging", Kustomize: "k8s/tests/smoke", Timeout: time.Minute},
		{Name: "ping", Service: "a", Image: "a", Command: []string{"ping"}},
		{Name: "elsewhere", Env: "production", Image: "a", Command: []string{"x"}},
	}
	e, err := Open(m, Target{Env: "staging"})
	if err != nil {
		t.Fatal(err)
	}
	v := Version{ImageName: "a", Service: release.Service{Name: "a", Commit: oldA, Image: image.Cut("reg.example.com/x/a:" + oldA), Digest: "sha256:aaaa"}}
	tests, err := e.postTests([]Version{v})
	if err != nil {
		t.Fatal(err)
	}
	if len(tests) != 2 || tests[0].Name != "smoke" || tests[1].Name != "ping" {
		t.Fatalf("tests = %+v, want smoke then ping", tests)
	}
	smoke := tests[0].Jobs[0].Spec
	if img := smoke.Template.Spec.Containers[0].Image; img != "reg.example.com/x/a@sha256:aaaa" {
		t.Errorf("smoke's service container runs %s, want it pinned", img)
	}
	if img := smoke.Template.Spec.Containers[1].Image; img != "tools/curl:8" {
		t.Errorf("smoke's other container runs %s, want it as written", img)
	}
	if *smoke.BackoffLimit != 2 || tests[0].Timeout != time.Minute {
		t.Errorf("smoke's own backoffLimit %d and timeout %s were not kept", *smoke.BackoffLimit, tests[0].Timeout)
	}
	ping := tests[1].Jobs[0].Spec
	if c := ping.Template.Spec.Containers[0]; c.Image != "reg.example.com/x/a@sha256:aaaa" || c.Command[0] != "ping" {
		t.Errorf("ping runs %+v", c)
	}
	if *ping.BackoffLimit != 0 || ping.Template.Spec.RestartPolicy != corev1.RestartPolicyNever || tests[1].Timeout != manifest.DefaultTestTimeout {
		t.Errorf("ping's job retries or has no default timeout: %+v %s", ping, tests[1].Timeout)
	}

	writeFile(t, m.Root, "k8s/tests/smoke/job.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
	if _, err := e.postTests([]Version{v}); !IsConfigError(err) || !strings.Contains(err.Error(), "renders batch/v1 Jobs only") {
		t.Errorf("a folder rendering a ConfigMap: %v", err)
	}
}

func TestTestJobName(t *testing.T) {
	t.Parallel()
	if got := testJobName("smoke", 12, "abcde"); got != "smoke-r12-abcde" {
		t.Errorf("got %s", got)
	}
	long := strings.Repeat("a", 40) + "-" + strings.Repeat("b", 30)
	if got := testJobName(long, 3, "abcde"); len(got) > 63 || !strings.HasSuffix(got, "-r3-abcde") {
		t.Errorf("a long name gave %s (%d)", got, len(got))
	}
}

func TestCheckTests(t *testing.T) {
	t.Parallel()
	m := &manifest.Manifest{Tests: []manifest.Test{{Name: "smoke", Env: "staging"}, {Name: "ping", Service: "a"}}}
	e := &Environment{Manifest: m, Name: "staging"}
	pass := func(name string) release.TestResult { return release.TestResult{Name: name, Passed: true} }
	tests := []struct {
		what    string
		results []release.TestResult
		want    string
	}{
		{"all passed", []release.TestResult{pass("smoke"), pass("ping")}, ""},
		{"never run", nil, "smoke did not run on it; ping did not run on it; run x-platform test --env staging"},
		{"one failed", []release.TestResult{pass("smoke"), {Name: "ping", Message: "exit code 3"}}, "ping failed: exit code 3"},
	}
	for _, tt := range tests {
		err := e.CheckTests(t.Context(), &release.Record{Revision: 4, Tests: tt.results})
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.what, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !IsTestFailure(err)):
			t.Errorf("%s: %v, want %q", tt.what, err, tt.want)
		}
	}
	none := &Environment{Manifest: &manifest.Manifest{}, Name: "staging"}
	if err := none.CheckTests(t.Context(), &release.Record{Revision: 1}); err != nil {
		t.Errorf("an environment without tests: %v", err)
	}
}

// fakeJobs plays the Job controller and the kubelet for the jobs of a
// fake clientset: each Job gets a pod whose container has run, then the
// Job is marked complete, or failed with exit code when exitCode > 0.
func fakeJobs(t *testing.T, cs *fake.Clientset, ns string, exitCode int32) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		done := map[string]bool{}
		for ctx.Err() == nil {
			list, _ := cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
			for _, j := range list.Items {
				if done[j.Name] {
					continue
				}
				done[j.Name] = true
				state := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: exitCode, Reason: "Completed"}}
				cond := batchv1.JobCondition{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}
				if exitCode > 0 {
					state.Terminated.Reason = "Error"
					cond = batchv1.JobCondition{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded"}
				}
				pod := &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: j.Name + "-p", Namespace: ns, Labels: map[string]string{"batch.kubernetes.io/job-name": j.Name}},
					Status:     corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "test", State: state}}},
				}
				_, _ = cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
				j.Status.Conditions = append(j.Status.Conditions, cond)
				_, _ = cs.BatchV1().Jobs(ns).UpdateStatus(ctx, &j, metav1.UpdateOptions{})
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
}

func testJob(name string) PostTest {
	return PostTest{Name: name, Timeout: 10 * time.Second, Jobs: []*batchv1.Job{imageTestJob(manifest.Test{Name: name, Image: "busybox", Command: []string{"true"}}, nil)}}
}

// syncBuffer is a bytes.Buffer safe for the log streams' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestTestRunnerPasses(t *testing.T) {
	t.Parallel()
	cs := fake.NewClientset()
	fakeJobs(t, cs, "ns", 0)
	var out syncBuffer
	r := &testRunner{cs: cs, env: "staging", ns: "ns", revision: 7, progress: ui.NewProgress(&out, ui.Normal), interval: 10 * time.Millisecond}
	results, err := r.run(t.Context(), []PostTest{testJob("smoke"), testJob("ping")})
	if err != nil || len(results) != 2 || !results[0].Passed || !results[1].Passed {
		t.Fatalf("run: %+v %v", results, err)
	}
	if !strings.HasPrefix(results[0].Job, "smoke-r7-") {
		t.Errorf("job name %s", results[0].Job)
	}
	// client-go's fake answers every log request with "fake logs".
	if !strings.Contains(out.String(), "test/smoke "+results[0].Job+"-p | fake logs") {
		t.Errorf("the pod's logs were not streamed:\n%s", out.String())
	}
	if list, _ := cs.BatchV1().Jobs("ns").List(t.Context(), metav1.ListOptions{}); len(list.Items) != 0 {
		t.Errorf("passed jobs were kept: %d", len(list.Items))
	}
	var created *batchv1.Job
	for _, a := range cs.Actions() {
		if a.GetVerb() == "create" && a.GetResource().Resource == "jobs" {
			created = a.(k8stesting.CreateAction).GetObject().(*batchv1.Job)
			break
		}
	}
	if created == nil || created.Labels[TestLabel] != "smoke" || created.Labels[TestRevisionLabel] != "7" ||
		created.Spec.Template.Labels[release.EnvLabel] != "staging" {
		t.Errorf("the job was not labelled with its test and revision: %+v", created)
	}
}

func TestTestRunnerFails(t *testing.T) {
	t.Parallel()
	cs := fake.NewClientset()
	fakeJobs(t, cs, "ns", 3)
	r := &testRunner{cs: cs, env: "staging", ns: "ns", revision: 2, interval: 10 * time.Millisecond}
	results, err := r.run(t.Context(), []PostTest{testJob("smoke"), testJob("ping")})
	var tf *TestFailedError
	if !errors.As(err, &tf) || tf.Test != "smoke" || !strings.Contains(tf.Reason, "container test: Error (exit code 3)") {
		t.Fatalf("run: %v, want smoke failed with exit code 3", err)
	}
	if len(results) != 1 || results[0].Passed || results[0].Job != tf.Job || results[0].Message != tf.Reason {
		t.Errorf("results %+v; the tests after a failed one must not run", results)
	}
	if _, err := cs.BatchV1().Jobs("ns").Get(t.Context(), tf.Job, metav1.GetOptions{}); err != nil {
		t.Errorf("the failed job was not kept: %v", err)
	}
}

func TestTestRunnerTimesOut(t *testing.T) {
	t.Parallel()
	cs := fake.NewClientset() // no controller: the job never ends
	r := &testRunner{cs: cs, env: "staging", ns: "ns", revision: 1, interval: 10 * time.Millisecond}
	test := testJob("slow")
	test.Timeout = 100 * time.Millisecond
	_, err := r.run(t.Context(), []PostTest{test})
	var tf *TestFailedError
	if !errors.As(err, &tf) || tf.Reason != "did not finish within 100ms" {
		t.Fatalf("run: %v", err)
	}
	if list, _ := cs.BatchV1().Jobs("ns").List(t.Context(), metav1.ListOptions{}); len(list.Items) != 0 {
		t.Errorf("a timed-out job was left running")
	}
}

// failingLogs is a cluster that serves no logs.
type failingLogs struct{ calls atomic.Int32 }

func (f *failingLogs) Stream(context.Context, string, string, string) (io.ReadCloser, error) {
	f.calls.Add(1)
	return nil, errors.New("the server could not find the requested resource")
}

// TestLogFollowerWithoutLogs: logs that cannot be read are said so once,
// however many containers there are.
func TestLogFollowerWithoutLogs(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	logs := &failingLogs{}
	f := newLogFollower(logs, "ns", ui.NewProgress(&out, ui.Normal), testPrefix("smoke"))
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	pods := []corev1.Pod{{
		ObjectMeta: metav1.ObjectMeta{Name: "p"},
		Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{
			{Name: "a", State: running}, {Name: "b", State: running}, {Name: "c"}, // c has not started
		}},
	}}
	f.follow(t.Context(), pods)
	f.follow(t.Context(), pods)
	f.drain(time.Second)
	if n := logs.calls.Load(); n != 2 {
		t.Errorf("streamed %d containers, want the two started ones once each", n)
	}
	if n := strings.Count(out.String(), "cannot be read"); n != 1 {
		t.Errorf("said %d times that logs cannot be read:\n%s", n, out.String())
	}
}
