package deploy

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/x-platform/x-platform/internal/deploy/release"
)

// withMigration makes staging's overlay run a pre-deploy Job migrate in
// service a's image before a rolls out; with exitCode set, the test
// cluster fails its pod with that code.
func (l *live) withMigration(services []string, exitCode string) {
	l.t.Helper()
	labels := "{}"
	if exitCode != "" {
		labels = `{x-platform.test/exit-code: "` + exitCode + `"}`
	}
	res := "resources: [migrate.yaml"
	for _, s := range services {
		res += ", ../../base/" + s
	}
	writeFile(l.t, l.m.Root, "k8s/overlays/staging/kustomization.yaml", res+"]\n")
	writeFile(l.t, l.m.Root, "k8s/overlays/staging/migrate.yaml", `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations: {x-platform.io/phase: pre-deploy, x-platform.io/phase-weight: "-1"}
spec:
  template:
    metadata: {labels: `+labels+`}
    spec:
      restartPolicy: Never
      containers:
      - {name: migrate, image: a, command: [/migrate]}
`)
}

// event is one change a watch saw, with the object's resourceVersion,
// which one etcd orders across every kind of object.
type event struct {
	rv  int64
	obj runtime.Object
}

// watchAll records what a watch of jobs or deployments in the namespace sees.
func (l *live) watchAll(kind string) func() []event {
	l.t.Helper()
	var w watch.Interface
	var err error
	cs := l.cluster.Clientset(l.t)
	if kind == "jobs" {
		w, err = cs.BatchV1().Jobs(l.ns).Watch(l.t.Context(), metav1.ListOptions{})
	} else {
		w, err = cs.AppsV1().Deployments(l.ns).Watch(l.t.Context(), metav1.ListOptions{})
	}
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(w.Stop)
	var mu sync.Mutex
	var seen []event
	go func() {
		for ev := range w.ResultChan() {
			var m metav1.Object
			switch o := ev.Object.(type) {
			case *batchv1.Job:
				m = o
			case *appsv1.Deployment:
				m = o
			default:
				continue
			}
			rv, err := strconv.ParseInt(m.GetResourceVersion(), 10, 64)
			if err != nil || ev.Type == watch.Deleted {
				continue
			}
			mu.Lock()
			seen = append(seen, event{rv: rv, obj: ev.Object.DeepCopyObject()})
			mu.Unlock()
		}
	}()
	return func() []event {
		mu.Lock()
		defer mu.Unlock()
		return append([]event(nil), seen...)
	}
}

// TestIntegrationPhasesMigrateBeforeRollout: the pre-deploy Job runs the
// release's image by digest and completes before the Deployment is
// changed; the passed Job is deleted and the record lists it.
func TestIntegrationPhasesMigrateBeforeRollout(t *testing.T) {
	l := newLive(t, "a")
	l.push("a", oldA)
	e, _ := l.open()
	if _, err := e.Deploy(t.Context(), l.m.Services); err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	second := l.push("a", newA)
	l.withMigration([]string{"a"}, "")
	jobs, deployments := l.watchAll("jobs"), l.watchAll("deployments")
	e, _ = l.open()
	out, err := e.Deploy(t.Context(), l.m.Services)
	if err != nil || out.Status != release.Deployed || len(out.Phases) != 1 || out.Phases[0].Status != release.PhasePassed {
		t.Fatalf("deploy with a migration: %+v %v", out, err)
	}
	want := l.reg + "/a@" + second
	var completed int64
	var completedAt metav1.Time
	for _, ev := range jobs() {
		j := ev.obj.(*batchv1.Job)
		if img := j.Spec.Template.Spec.Containers[0].Image; img != want {
			t.Errorf("the migration ran %s, want the release's %s", img, want)
		}
		if done, failed := finished(j); done && !failed && completed == 0 {
			completed = ev.rv
			if j.Status.CompletionTime != nil {
				completedAt = *j.Status.CompletionTime
			}
		}
	}
	var changed int64
	for _, ev := range deployments() {
		d := ev.obj.(*appsv1.Deployment)
		if d.Spec.Template.Spec.Containers[0].Image == want && changed == 0 {
			changed = ev.rv
		}
	}
	if completed == 0 || changed == 0 || completed >= changed {
		t.Errorf("the job completed at resourceVersion %d, the deployment took the new image at %d: want the job first", completed, changed)
	}
	rss, err := l.cluster.Clientset(t).AppsV1().ReplicaSets(l.ns).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range rss.Items {
		if rs.Spec.Template.Spec.Containers[0].Image == want && rs.CreationTimestamp.Before(&completedAt) {
			t.Errorf("replicaset %s of the new image was created at %s, before the migration completed at %s", rs.Name, rs.CreationTimestamp, completedAt)
		}
	}
	left, err := l.cluster.Clientset(t).BatchV1().Jobs(l.ns).List(t.Context(), metav1.ListOptions{})
	if err != nil || len(left.Items) != 0 {
		t.Errorf("jobs left after the migration passed: %d %v", len(left.Items), err)
	}
	all, err := e.History(t.Context())
	if err != nil || len(all) != 2 || len(all[1].Phases) != 1 || all[1].Phases[0].Name != "migrate" || all[1].Phases[0].Phase != "pre-deploy" {
		t.Fatalf("history: %+v %v", all, err)
	}
	for _, ref := range all[1].Objects {
		if ref.Kind == "Job" {
			t.Errorf("the record's objects list the phase job %s", ref)
		}
	}
}

// TestIntegrationPhasesFailedMigration: a migration that fails stops the
// release before anything else is applied: every Deployment stays on its
// old image, the record names the phase and the Job, whose run is kept.
func TestIntegrationPhasesFailedMigration(t *testing.T) {
	l := newLive(t, "a", "b")
	firstA, firstB := l.push("a", oldA), l.push("b", oldB)
	e, _ := l.open()
	if _, err := e.Deploy(t.Context(), l.m.Services); err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	l.push("a", newA)
	l.push("b", newB)
	l.withMigration([]string{"a", "b"}, "4")
	e, _ = l.open()
	out, err := e.Deploy(t.Context(), l.m.Services)
	var ps *PhaseStoppedError
	if !errors.As(err, &ps) || IsConfigError(err) || ps.Failure.Name != "migrate" || ps.Failure.Phase != PreDeploy {
		t.Fatalf("deploy with a failing migration: %+v %v", out, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "pre-deploy job migrate failed") || !strings.Contains(msg, "exit code 4") ||
		!strings.Contains(msg, "staging runs revision 1 as before") {
		t.Errorf("the error does not say what failed and what runs: %v", err)
	}
	if img := l.image("a"); img != l.reg+"/a@"+firstA {
		t.Errorf("a runs %s, want the old %s", img, firstA)
	}
	if img := l.image("b"); img != l.reg+"/b@"+firstB {
		t.Errorf("b runs %s, want the old %s", img, firstB)
	}
	all, err := e.History(t.Context())
	if err != nil || len(all) != 2 || all[0].Status != release.Deployed || all[1].Status != release.Failed {
		t.Fatalf("history: %+v %v", all, err)
	}
	p := all[1].Phases
	if len(p) != 1 || p[0].Phase != "pre-deploy" || p[0].Name != "migrate" || p[0].Status != release.PhaseFailed ||
		p[0].Job != ps.Failure.Job || !strings.Contains(p[0].Message, "exit code 4") {
		t.Errorf("the failed release recorded phases %+v", p)
	}
	if _, err := l.cluster.Clientset(t).BatchV1().Jobs(l.ns).Get(t.Context(), ps.Failure.Job, metav1.GetOptions{}); err != nil {
		t.Errorf("the failed migration's job was not kept: %v", err)
	}
}

// TestIntegrationPhasesRedeployAndRollback: redeploying the same release
// and rolling back run no phase Job; rollback with RunPhases does.
func TestIntegrationPhasesRedeployAndRollback(t *testing.T) {
	l := newLive(t, "a")
	l.push("a", oldA)
	l.withMigration([]string{"a"}, "")
	e, _ := l.open()
	if out, err := e.Deploy(t.Context(), l.m.Services); err != nil || len(out.Phases) != 1 {
		t.Fatalf("first deploy: %+v %v", out, err)
	}
	l.push("a", newA)
	e, _ = l.open()
	if out, err := e.Deploy(t.Context(), l.m.Services); err != nil || len(out.Phases) != 1 {
		t.Fatalf("second deploy: %+v %v", out, err)
	}
	jobs := l.watchAll("jobs")
	created := func() int {
		names := map[string]bool{}
		for _, ev := range jobs() {
			names[ev.obj.(*batchv1.Job).Name] = true
		}
		return len(names)
	}
	e, _ = l.open()
	out, err := e.Deploy(t.Context(), l.m.Services)
	if err != nil || !out.Unchanged || len(out.Phases) != 0 {
		t.Fatalf("redeploy: %+v %v", out, err)
	}
	e, _ = l.open()
	out, err = e.Rollback(t.Context(), 0)
	if err != nil || out.Revision != 3 || len(out.Phases) != 0 {
		t.Fatalf("rollback: %+v %v", out, err)
	}
	if n := created(); n != 0 {
		t.Errorf("redeploy and rollback created %d jobs, want none", n)
	}
	e, _ = l.open()
	e.Rollout.RunPhases = true
	out, err = e.Rollback(t.Context(), 2)
	if err != nil || out.Revision != 4 || len(out.Phases) != 1 || out.Phases[0].Status != release.PhasePassed {
		t.Fatalf("rollback --run-phases: %+v %v", out, err)
	}
	if n := created(); n != 1 {
		t.Errorf("rollback --run-phases created %d jobs, want the migration's one", n)
	}
}
