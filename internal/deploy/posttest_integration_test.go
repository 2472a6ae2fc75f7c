package deploy

import (
	"errors"
	"strings"
	"sync"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/manifest"
)

// testFolder writes k8s/tests/<name>: a Job running service a's image;
// with exitCode set, the test cluster fails its pod with that code.
func (l *live) testFolder(name, exitCode string) manifest.Test {
	l.t.Helper()
	labels := "{}"
	if exitCode != "" {
		labels = `{x-platform.test/exit-code: "` + exitCode + `"}`
	}
	writeFile(l.t, l.m.Root, "k8s/tests/"+name+"/kustomization.yaml", "resources: [job.yaml]\n")
	writeFile(l.t, l.m.Root, "k8s/tests/"+name+"/job.yaml", `apiVersion: batch/v1
kind: Job
metadata: {name: `+name+`}
spec:
  template:
    metadata: {labels: `+labels+`}
    spec:
      restartPolicy: Never
      containers:
      - {name: check, image: a, command: [/check]}
`)
	return manifest.Test{Name: name, Env: "staging", Kustomize: "k8s/tests/" + name}
}

// jobImages records the images of the Jobs created in the namespace.
func (l *live) jobImages() func() map[string]string {
	l.t.Helper()
	w, err := l.cluster.Clientset(l.t).BatchV1().Jobs(l.ns).Watch(l.t.Context(), metav1.ListOptions{})
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(w.Stop)
	var mu sync.Mutex
	seen := map[string]string{}
	go func() {
		for ev := range w.ResultChan() {
			if j, ok := ev.Object.(*batchv1.Job); ok && ev.Type == watch.Added {
				mu.Lock()
				seen[j.Labels[TestLabel]] = j.Spec.Template.Spec.Containers[0].Image
				mu.Unlock()
			}
		}
	}()
	return func() map[string]string {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]string{}
		for k, v := range seen {
			out[k] = v
		}
		return out
	}
}

// TestIntegrationPostDeployTestsPass: after the rollout is ready the
// tests run as Jobs with the deployed digest, and the record says they
// passed; the Jobs that passed are gone.
func TestIntegrationPostDeployTestsPass(t *testing.T) {
	l := newLive(t, "a")
	digest := l.push("a", oldA)
	l.m.Tests = []manifest.Test{
		l.testFolder("smoke", ""),
		{Name: "ping", Service: "a", Image: "a", Command: []string{"/ping"}},
	}
	images := l.jobImages()
	e, _ := l.open()
	out, err := e.Deploy(t.Context(), l.m.Services)
	if err != nil || out.Status != release.Deployed {
		t.Fatalf("deploy: %+v %v", out, err)
	}
	all, err := e.History(t.Context())
	if err != nil || len(all) != 1 {
		t.Fatalf("history: %v %v", all, err)
	}
	got := all[0].Tests
	if len(got) != 2 || got[0].Name != "smoke" || !got[0].Passed || got[1].Name != "ping" || !got[1].Passed {
		t.Fatalf("recorded tests %+v, want smoke and ping passed", got)
	}
	want := l.reg + "/a@" + digest
	for _, test := range []string{"smoke", "ping"} {
		if img := images()[test]; img != want {
			t.Errorf("the job of %s ran %q, want the deployed %s", test, img, want)
		}
	}
	jobs, err := l.cluster.Clientset(t).BatchV1().Jobs(l.ns).List(t.Context(), metav1.ListOptions{})
	if err != nil || len(jobs.Items) != 0 {
		t.Errorf("jobs left after the tests passed: %d %v", len(jobs.Items), err)
	}
}

// TestIntegrationPostDeployTestFails: a failing test rolls the whole
// release back to the one before, as a failed rollout does, names the
// test and keeps its Job for inspection.
func TestIntegrationPostDeployTestFails(t *testing.T) {
	l := newLive(t, "a")
	first := l.push("a", oldA)
	e, _ := l.open()
	if _, err := e.Deploy(t.Context(), l.m.Services); err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	second := l.push("a", newA)
	l.m.Tests = []manifest.Test{l.testFolder("broken", "3")}
	e, _ = l.open()
	out, err := e.Deploy(t.Context(), l.m.Services)
	var re *RolloutError
	var tf *TestFailedError
	if !errors.As(err, &re) || !errors.As(err, &tf) || tf.Test != "broken" {
		t.Fatalf("deploy with a failing test: %+v %v", out, err)
	}
	if !strings.Contains(err.Error(), "post-deploy test broken failed") || !strings.Contains(err.Error(), "exit code 3") ||
		!strings.Contains(err.Error(), "rolled back to revision 1 as revision 3") {
		t.Errorf("the error does not say what failed and what was restored: %v", err)
	}
	if img := l.image("a"); img != l.reg+"/a@"+first {
		t.Errorf("a runs %s after the rollback, want %s", img, l.reg+"/a@"+first)
	}
	all, err := e.History(t.Context())
	if err != nil || len(all) != 3 || all[1].Status != release.Failed || all[2].Status != release.Deployed {
		t.Fatalf("history: %v %v", all, err)
	}
	if r := all[1].Tests; len(r) != 1 || r[0].Passed || !strings.Contains(r[0].Message, "exit code 3") {
		t.Errorf("the failed release recorded tests %+v", r)
	}
	job, err := l.cluster.Clientset(t).BatchV1().Jobs(l.ns).Get(t.Context(), tf.Job, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the failed job was not kept: %v", err)
	}
	if img := job.Spec.Template.Spec.Containers[0].Image; img != l.reg+"/a@"+second {
		t.Errorf("the failed test ran %s, want the release under test %s", img, second)
	}
	if job.Labels[TestRevisionLabel] != "2" {
		t.Errorf("the job is labelled revision %q, want 2", job.Labels[TestRevisionLabel])
	}
}

// TestIntegrationTestRerunAndPromote: a promote is refused while the
// source's tests did not run on its release or failed there, and goes
// ahead once a rerun passed; reruns record their results on the release.
func TestIntegrationTestRerunAndPromote(t *testing.T) {
	l := newLive(t, "a")
	l.push("a", oldA)
	staging, prodNS := l.stagingDeployed()
	promote := func() (*Outcome, error) {
		staging, _ := l.open()
		return l.openProduction(prodNS).Promote(t.Context(), staging, staging.CheckTests)
	}
	refused := func(what, want string) {
		t.Helper()
		out, err := promote()
		if out != nil || !IsTestFailure(err) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "run x-platform test --env staging") {
			t.Errorf("promote %s: %+v %v, want refused with %q", what, out, err, want)
		}
		if n := l.deployments(prodNS); n != 0 {
			t.Errorf("promote %s applied %d deployments", what, n)
		}
	}

	l.m.Tests = []manifest.Test{l.testFolder("smoke", "2")}
	refused("before the tests ran", "smoke did not run on it")

	staging, _ = l.open()
	run, err := staging.Test(t.Context())
	var tf *TestFailedError
	if !errors.As(err, &tf) || run == nil || run.Revision != 1 || run.Passed() {
		t.Fatalf("a failing rerun: %+v %v", run, err)
	}
	if img := l.image("a"); !strings.HasSuffix(img, "@"+l.pushedDigest(t, staging)) {
		t.Errorf("a failing rerun changed what runs: %s", img)
	}
	refused("after the tests failed", "smoke failed: pod/")

	l.testFolder("smoke", "")
	staging, _ = l.open()
	run, err = staging.Test(t.Context())
	if err != nil || !run.Passed() || len(run.Results) != 1 {
		t.Fatalf("a passing rerun: %+v %v", run, err)
	}
	out, err := promote()
	if err != nil || out.Status != release.Deployed {
		t.Fatalf("promote after the tests passed: %+v %v", out, err)
	}
	all, err := staging.History(t.Context())
	if err != nil || len(all) != 1 || len(all[0].Tests) != 1 || !all[0].Tests[0].Passed {
		t.Errorf("staging's history after the reruns: %+v %v", all, err)
	}
}

// pushedDigest is the digest staging's current release runs.
func (l *live) pushedDigest(t *testing.T, e *Environment) string {
	t.Helper()
	cur, err := e.Current(t.Context())
	if err != nil || cur == nil {
		t.Fatalf("current release: %v %v", cur, err)
	}
	return cur.Services[0].Digest
}
