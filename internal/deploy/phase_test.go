package deploy

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/ui"
)

func phaseObj(apiVersion, kind, name string, ann map[string]string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"name": name}}}
	if kind == "Job" {
		u.Object["spec"] = map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": "main", "image": "reg/a@sha256:aaaa"}},
		}}}
	}
	if ann != nil {
		u.SetAnnotations(ann)
	}
	return u
}

func inPhase(phase, weight string) map[string]string {
	a := map[string]string{PhaseAnnotation: phase}
	if weight != "" {
		a[PhaseWeightAnnotation] = weight
	}
	return a
}

func names(jobs []PhaseJob) string {
	var out []string
	for _, j := range jobs {
		out = append(out, j.Job.Name)
	}
	return strings.Join(out, ",")
}

func TestSplitPhasesOrders(t *testing.T) {
	t.Parallel()
	objs := []*unstructured.Unstructured{
		phaseObj("v1", "ConfigMap", "config", nil),
		phaseObj("batch/v1", "Job", "seed", inPhase("pre-deploy", "10")),
		phaseObj("apps/v1", "Deployment", "a", nil),
		phaseObj("batch/v1", "Job", "notify", inPhase("post-deploy", "")),
		phaseObj("batch/v1", "Job", "migrate", inPhase("pre-deploy", "-5")),
		phaseObj("batch/v1", "Job", "backfill", inPhase("pre-deploy", "10")),
		phaseObj("batch/v1", "Job", "plain", nil), // a Job without a phase is an ordinary object
		phaseObj("batch/v1", "CronJob", "nightly", nil),
	}
	p, err := SplitPhases(objs)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(p.Pre); got != "migrate,backfill,seed" {
		t.Errorf("pre-deploy runs %s, want lower weights first, equal weights by name", got)
	}
	if got := names(p.Post); got != "notify" {
		t.Errorf("post-deploy runs %s", got)
	}
	var main []string
	for _, o := range p.Main {
		main = append(main, o.GetName())
	}
	if strings.Join(main, ",") != "config,a,plain,nightly" {
		t.Errorf("main objects %v, want the others in render order", main)
	}
	var ordered []string
	for _, o := range p.Ordered() {
		ordered = append(ordered, o.GetName())
	}
	if got := strings.Join(ordered, ","); got != "migrate,backfill,seed,config,a,plain,nightly,notify" {
		t.Errorf("ordered %s", got)
	}
	if p.Pre[0].Weight != -5 || p.Pre[0].Job.Spec.Template.Spec.Containers[0].Image != "reg/a@sha256:aaaa" {
		t.Errorf("migrate read as %+v", p.Pre[0])
	}
	if empty, _ := SplitPhases(objs[:1]); !empty.Empty() {
		t.Errorf("an overlay without phase annotations has phases")
	}
}

func TestSplitPhasesRefusesBadAnnotations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		what string
		obj  *unstructured.Unstructured
		want string
	}{
		{"unknown phase", phaseObj("batch/v1", "Job", "m", inPhase("pre-deplyo", "")), `job/m: annotation x-platform.io/phase: unknown phase "pre-deplyo" (known: pre-deploy, post-deploy)`},
		{"bad weight", phaseObj("batch/v1", "Job", "m", inPhase("pre-deploy", "first")), `job/m: annotation x-platform.io/phase-weight: "first" is not an integer`},
		{"not a job", phaseObj("apps/v1", "Deployment", "a", inPhase("pre-deploy", "")), "deployment/a: annotation x-platform.io/phase: only a batch/v1 Job can be in a phase"},
		{"a cronjob", phaseObj("batch/v1", "CronJob", "c", inPhase("post-deploy", "")), "cronjob/c: annotation x-platform.io/phase: only a batch/v1 Job"},
		{"weight alone", phaseObj("batch/v1", "Job", "m", map[string]string{PhaseWeightAnnotation: "1"}), "job/m: annotation x-platform.io/phase-weight needs x-platform.io/phase"},
	}
	for _, tt := range tests {
		_, err := SplitPhases([]*unstructured.Unstructured{phaseObj("v1", "ConfigMap", "ok", nil), tt.obj})
		var pe *PhaseError
		if !errors.As(err, &pe) || len(pe.Problems) != 1 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.what, err, tt.want)
		}
	}
	_, err := SplitPhases([]*unstructured.Unstructured{tests[0].obj, tests[1].obj})
	var pe *PhaseError
	if !errors.As(err, &pe) || len(pe.Problems) != 2 {
		t.Errorf("every bad object is named at once: %v", err)
	}
}

const migrateJob = `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations: {x-platform.io/phase: %s}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: migrate, image: a, command: [/migrate]}
`

// TestEnvironmentPhasesNameTheFile: a bad annotation is a configuration
// error (exit 2) that names the overlay file and the object.
func TestEnvironmentPhasesNameTheFile(t *testing.T) {
	t.Parallel()
	m := newPlatform(t, "reg.example.com/x", "x-staging", "a")
	writeFile(t, m.Root, "k8s/overlays/staging/kustomization.yaml", "resources: [../../base/a, migrate.yaml]\n")
	writeFile(t, m.Root, "k8s/overlays/staging/migrate.yaml", strings.Replace(migrateJob, "%s", "pre-deplyo", 1))
	e, err := Open(m, Target{Env: "staging"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Render(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Phases(r)
	if !IsConfigError(err) || !strings.Contains(err.Error(), "k8s/overlays/staging/migrate.yaml: job/migrate: annotation x-platform.io/phase: unknown phase") {
		t.Errorf("bad phase: %v", err)
	}
}

// TestOrderedYAML: render prints phases in order; without phases its
// output is the render's own, byte for byte.
func TestOrderedYAML(t *testing.T) {
	t.Parallel()
	m := newPlatform(t, "reg.example.com/x", "x-staging", "a")
	e, _ := Open(m, Target{Env: "staging"})
	pins := []render.Image{{Name: "a", NewName: "reg.example.com/x/a", Tag: oldA, Digest: "sha256:" + strings.Repeat("a", 64)}}
	plain, err := render.Render(e.Root, "staging", pins)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := e.Phases(plain)
	if out, err := OrderedYAML(plain, p); err != nil || !bytes.Equal(out, plain.YAML) {
		t.Errorf("without phases the output changed: %v\n%s", err, out)
	}
	writeFile(t, m.Root, "k8s/overlays/staging/kustomization.yaml", "resources: [notify.yaml, ../../base/a, migrate.yaml]\n")
	writeFile(t, m.Root, "k8s/overlays/staging/migrate.yaml", strings.Replace(migrateJob, "%s", "pre-deploy", 1))
	writeFile(t, m.Root, "k8s/overlays/staging/notify.yaml", strings.ReplaceAll(strings.Replace(migrateJob, "%s", "post-deploy", 1), "migrate", "notify"))
	r, err := render.Render(e.Root, "staging", pins)
	if err != nil {
		t.Fatal(err)
	}
	p, err = e.Phases(r)
	if err != nil {
		t.Fatal(err)
	}
	out, err := OrderedYAML(r, p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	pre, dep, post := strings.Index(s, "# phase: pre-deploy"), strings.Index(s, "kind: Deployment"), strings.Index(s, "# phase: post-deploy")
	if pre != 0 || dep < pre || post < dep || !strings.Contains(s[post:], "name: notify") {
		t.Errorf("phases out of order:\n%s", s)
	}
	if !strings.Contains(s[:dep], "image: reg.example.com/x/a@sha256:"+strings.Repeat("a", 64)) {
		t.Errorf("the migrate job's image is not pinned by digest:\n%s", s)
	}
	back, err := ParseObjects(out)
	if err != nil || len(back) != 3 {
		t.Errorf("the ordered YAML does not read back: %d %v", len(back), err)
	}
}

func phaseJobs(t *testing.T, names ...string) []PhaseJob {
	t.Helper()
	var objs []*unstructured.Unstructured
	for _, n := range names {
		objs = append(objs, phaseObj("batch/v1", "Job", n, inPhase("pre-deploy", "")))
	}
	p, err := SplitPhases(objs)
	if err != nil {
		t.Fatal(err)
	}
	return p.Pre
}

func TestPhaseRunnerPasses(t *testing.T) {
	t.Parallel()
	cs := fake.NewClientset()
	fakeJobs(t, cs, "ns", 0)
	var out syncBuffer
	r := &phaseRunner{testRunner: &testRunner{cs: cs, env: "staging", ns: "ns", revision: 4, progress: ui.NewProgress(&out, ui.Normal), interval: 10 * time.Millisecond}, timeout: 10 * time.Second}
	results, err := r.run(t.Context(), PreDeploy, phaseJobs(t, "migrate", "seed"))
	if err != nil || len(results) != 2 || results[0].Status != release.PhasePassed || results[1].Name != "seed" {
		t.Fatalf("run: %+v %v", results, err)
	}
	if !strings.HasPrefix(results[0].Job, "migrate-r4-") || results[0].Phase != "pre-deploy" {
		t.Errorf("result %+v", results[0])
	}
	if list, _ := cs.BatchV1().Jobs("ns").List(t.Context(), metav1.ListOptions{}); len(list.Items) != 0 {
		t.Errorf("passed jobs were kept: %d", len(list.Items))
	}
	if !strings.Contains(out.String(), "pre-deploy/migrate") {
		t.Errorf("progress does not name the phase and job:\n%s", out.String())
	}
}

func TestPhaseRunnerFailsAndKeepsTheJob(t *testing.T) {
	t.Parallel()
	cs := fake.NewClientset()
	fakeJobs(t, cs, "ns", 3)
	r := &phaseRunner{testRunner: &testRunner{cs: cs, env: "staging", ns: "ns", revision: 2, interval: 10 * time.Millisecond}, timeout: 10 * time.Second}
	results, err := r.run(t.Context(), PreDeploy, phaseJobs(t, "migrate", "seed"))
	var pf *PhaseFailedError
	if !errors.As(err, &pf) || pf.Name != "migrate" || pf.Phase != PreDeploy || !strings.Contains(pf.Reason, "exit code 3") {
		t.Fatalf("run: %v, want migrate failed with exit code 3", err)
	}
	if len(results) != 1 || results[0].Status != release.PhaseFailed || results[0].Job != pf.Job {
		t.Errorf("results %+v; the jobs after a failed one must not run", results)
	}
	// client-go's fake answers every log request with "fake logs".
	if len(pf.Logs) != 1 || pf.Logs[0] != "fake logs" || len(results[0].Logs) != 1 {
		t.Errorf("the pod's last lines were not kept: %q", pf.Logs)
	}
	if _, err := cs.BatchV1().Jobs("ns").Get(t.Context(), pf.Job, metav1.GetOptions{}); err != nil {
		t.Errorf("the failed job was not kept: %v", err)
	}
	// The next run deletes the failed runs of the job it reruns (the
	// fake clientset does not delete collections: the request is checked).
	cs.ClearActions()
	r.revision = 3
	_, _ = r.run(t.Context(), PreDeploy, phaseJobs(t, "migrate"))
	var sel string
	for _, a := range cs.Actions() {
		if dc, ok := a.(k8stesting.DeleteCollectionActionImpl); ok && a.GetResource().Resource == "jobs" {
			sel = dc.GetListOptions().LabelSelector
		}
	}
	if sel != "x-platform.io/env=staging,x-platform.io/phase-job=migrate" {
		t.Errorf("the earlier runs were deleted by %q, want the environment's runs of migrate", sel)
	}
}

func TestPhaseRunnerInterrupted(t *testing.T) {
	t.Parallel()
	cs := fake.NewClientset() // no controller: the job runs until stopped
	r := &phaseRunner{testRunner: &testRunner{cs: cs, env: "staging", ns: "ns", revision: 1, interval: 10 * time.Millisecond}, timeout: time.Minute}
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	results, err := r.run(ctx, PreDeploy, phaseJobs(t, "migrate"))
	if !errors.Is(err, context.Canceled) || len(results) != 1 || results[0].Status != release.PhaseInterrupted {
		t.Fatalf("run: %+v %v", results, err)
	}
	if list, _ := cs.BatchV1().Jobs("ns").List(t.Context(), metav1.ListOptions{}); len(list.Items) != 0 {
		t.Errorf("an interrupted job was left running")
	}
}
