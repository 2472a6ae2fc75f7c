package deploy

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/manifest"
)

// withCanary gives staging a canary and service a's Deployment replicas
// and a Service in front of it, then deploys the first release (which has
// nothing to split) and pushes the next one.
func (l *live) withCanary(c manifest.Canary, replicas int) (oldDigest, newDigest string) {
	l.t.Helper()
	l.m.Environments[0].Canary = &c
	writeFile(l.t, l.m.Root, "k8s/base/a/kustomization.yaml", "resources: [deployment.yaml, service.yaml]\n")
	writeFile(l.t, l.m.Root, "k8s/base/a/deployment.yaml", fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: a}
spec:
  replicas: %d
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      containers:
      - {name: a, image: a}
`, replicas))
	writeFile(l.t, l.m.Root, "k8s/base/a/service.yaml", `apiVersion: v1
kind: Service
metadata: {name: a}
spec:
  selector: {app: a}
  ports: [{port: 80}]
`)
	oldDigest = l.push("a", oldA)
	e, _ := l.open()
	if out, err := e.Deploy(l.t.Context(), l.m.Services); err != nil || out.Canary != nil {
		l.t.Fatalf("first deploy: %+v %v", out, err)
	}
	return l.reg + "/a@" + oldDigest, l.reg + "/a@" + l.push("a", newA)
}

// split says what runs: the stable and canary Deployments' images and
// ready replicas; the canary's image is "" when it does not exist.
type split struct {
	stable, canary         string
	stableReady, canaryRdy int32
}

func (l *live) split() split {
	l.t.Helper()
	deps := l.cluster.Clientset(l.t).AppsV1().Deployments(l.ns)
	var s split
	st, err := deps.Get(l.t.Context(), "a", metav1.GetOptions{})
	if err != nil {
		l.t.Fatal(err)
	}
	s.stable, s.stableReady = st.Spec.Template.Spec.Containers[0].Image, st.Status.ReadyReplicas
	c, err := deps.Get(l.t.Context(), "a"+canarySuffix, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		l.t.Fatal(err)
	default:
		s.canary, s.canaryRdy = c.Spec.Template.Spec.Containers[0].Image, c.Status.ReadyReplicas
		svc, err := l.cluster.Clientset(l.t).CoreV1().Services(l.ns).Get(l.t.Context(), "a", metav1.GetOptions{})
		if err != nil {
			l.t.Fatal(err)
		}
		// Split by replicas, the Service selects both versions; by route,
		// only the stable one.
		routed := c.Spec.Template.Labels["app"] == "a"+canarySuffix
		if selects(svc.Spec.Selector, c.Spec.Template.Labels) == routed {
			l.t.Errorf("service a selecting %v, canary pods %v: want it to select them %v", svc.Spec.Selector, c.Spec.Template.Labels, !routed)
		}
	}
	return s
}

// canaryPods counts the pods with the canary label, once they are gone.
func (l *live) canaryPods() int {
	l.t.Helper()
	pods, err := l.cluster.Clientset(l.t).CoreV1().Pods(l.ns).List(l.t.Context(), metav1.ListOptions{LabelSelector: CanaryLabel + "=true"})
	if err != nil {
		l.t.Fatal(err)
	}
	return len(pods.Items)
}

func (l *live) latest(e *Environment) *release.Record {
	l.t.Helper()
	all, err := e.History(l.t.Context())
	if err != nil || len(all) == 0 {
		l.t.Fatalf("history: %v %v", all, err)
	}
	return all[len(all)-1]
}

// TestIntegrationCanaryByReplicasManual: with pause: manual, deploy runs
// the first step and stops; each promote moves one step on, the replica
// counts following the shares; deploys and rollbacks are refused while it
// runs; the last promote rolls the release out in full and the canary is
// gone, pods and all.
func TestIntegrationCanaryByReplicasManual(t *testing.T) {
	l := newLive(t, "a")
	oldImg, newImg := l.withCanary(manifest.Canary{Steps: []int{25, 50}, Manual: true}, 4)

	e, _ := l.open()
	out, err := e.Deploy(t.Context(), l.m.Services)
	if err != nil || out.Canary == nil || out.Canary.Step != 25 || out.Status != release.Canary {
		t.Fatalf("deploy with a canary: %+v %v", out, err)
	}
	if got, want := l.split(), (split{oldImg, newImg, 3, 1}); got != want {
		t.Errorf("at 25%%: %+v, want %+v", got, want)
	}
	if rec := l.latest(e); rec.Status != release.Canary || rec.Canary.Step != 25 || rec.Canary.Split != release.SplitReplicas || rec.Description != "canary at 25% (step 1 of 2)" {
		t.Errorf("record at 25%%: %+v %+v", rec, rec.Canary)
	}

	e, _ = l.open()
	if st, err := e.Status(t.Context(), l.m.Services, StatusOptions{}); err != nil || st.Canary == nil || st.Canary.Canary.Step != 25 || st.Revision != 1 {
		t.Errorf("status during the canary: %+v %v", st, err)
	}
	e, _ = l.open()
	var pending *CanaryPendingError
	if _, err := e.Deploy(t.Context(), l.m.Services); !errors.As(err, &pending) || pending.Step != 25 {
		t.Errorf("deploy during the canary: %v, want a CanaryPendingError", err)
	}
	e, _ = l.open()
	if _, err := e.Rollback(t.Context(), 0); !errors.As(err, &pending) {
		t.Errorf("rollback during the canary: %v, want a CanaryPendingError", err)
	}

	e, _ = l.open()
	if out, err := e.CanaryPromote(t.Context()); err != nil || out.Canary.Step != 50 || out.Status != release.Canary {
		t.Fatalf("promote to 50%%: %+v %v", out, err)
	}
	if got, want := l.split(), (split{oldImg, newImg, 2, 2}); got != want {
		t.Errorf("at 50%%: %+v, want %+v", got, want)
	}

	e, _ = l.open()
	out, err = e.CanaryPromote(t.Context())
	if err != nil || out.Status != release.Deployed || out.Canary.Status != release.CanaryPromoted || out.Canary.Step != 100 {
		t.Fatalf("promote to 100%%: %+v %v", out, err)
	}
	if got, want := l.split(), (split{stable: newImg, stableReady: 4}); got != want {
		t.Errorf("after the canary: %+v, want %+v", got, want)
	}
	l.waitNoCanaryPods()
	rec := l.latest(e)
	if rec.Status != release.Deployed || rec.Canary.Status != release.CanaryPromoted || rec.Revision != out.Revision {
		t.Errorf("record after the canary: %+v %+v", rec, rec.Canary)
	}
	e, _ = l.open()
	var none *NoCanaryError
	if _, err := e.CanaryPromote(t.Context()); !errors.As(err, &none) || !IsConfigError(err) {
		t.Errorf("promote with no canary: %v, want a NoCanaryError", err)
	}
}

func (l *live) waitNoCanaryPods() {
	l.t.Helper()
	err := wait.PollUntilContextTimeout(l.t.Context(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return l.canaryPods() == 0, nil
	})
	if err != nil {
		l.t.Errorf("canary pods left: %d", l.canaryPods())
	}
}

// TestIntegrationCanaryGateFails: a post-deploy test that fails at the
// first step aborts the canary: the stable Deployment runs its old image
// on its old replicas, the canary is gone and the record says aborted.
func TestIntegrationCanaryGateFails(t *testing.T) {
	l := newLive(t, "a")
	oldImg, _ := l.withCanary(manifest.Canary{Steps: []int{50}, Gate: manifest.GateTests}, 2)
	l.m.Tests = []manifest.Test{l.testFolder("smoke", "3")}

	e, _ := l.open()
	out, err := e.Deploy(t.Context(), l.m.Services)
	var aborted *CanaryAbortedError
	var failed *TestFailedError
	if !errors.As(err, &aborted) || !errors.As(err, &failed) || aborted.Step != 0 || out == nil || out.Status != release.Failed {
		t.Fatalf("deploy with a failing gate: %+v %v", out, err)
	}
	if got, want := l.split(), (split{stable: oldImg, stableReady: 2}); got != want {
		t.Errorf("after the abort: %+v, want %+v", got, want)
	}
	l.waitNoCanaryPods()
	rec := l.latest(e)
	if rec.Status != release.Failed || rec.Canary.Status != release.CanaryAborted || len(rec.Tests) != 1 || rec.Tests[0].Passed {
		t.Errorf("record: %+v %+v", rec, rec.Canary)
	}
	// The failed run is kept: its Job ran at the step's share.
	jobs, err := l.cluster.Clientset(t).BatchV1().Jobs(l.ns).List(t.Context(), metav1.ListOptions{})
	if err != nil || len(jobs.Items) != 1 {
		t.Fatalf("jobs: %v %v", jobs, err)
	}
	if env := jobs.Items[0].Spec.Template.Spec.Containers[0].Env; len(env) != 2 || env[0].Name != CanaryPercentVar || env[0].Value != "50" {
		t.Errorf("the gate's job has env %v, want %s=50", env, CanaryPercentVar)
	}
	if cur, err := e.Current(t.Context()); err != nil || cur.Revision != 1 {
		t.Errorf("current: %+v %v, want revision 1 still deployed", cur, err)
	}
}

// TestIntegrationCanaryPauseAndInterrupt: with a pause the steps follow
// each other in one run; an interruption during the pause aborts the
// canary as a failed gate does, and canary abort ends a manual one.
func TestIntegrationCanaryPauseAndInterrupt(t *testing.T) {
	l := newLive(t, "a")
	oldImg, newImg := l.withCanary(manifest.Canary{Steps: []int{30, 60}, Pause: 50 * time.Millisecond}, 3)

	e, _ := l.open()
	out, err := e.Deploy(t.Context(), l.m.Services)
	if err != nil || out.Status != release.Deployed || out.Canary.Status != release.CanaryPromoted {
		t.Fatalf("deploy through every step: %+v %v", out, err)
	}
	if got, want := l.split(), (split{stable: newImg, stableReady: 3}); got != want {
		t.Errorf("after the canary: %+v, want %+v", got, want)
	}

	third := l.reg + "/a@" + l.push("a", "3333333333333333333333333333333333333333")
	l.m.Environments[0].Canary.Pause = time.Hour
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	e, _ = l.open()
	go func() {
		_, err := e.Deploy(ctx, l.m.Services)
		done <- err
	}()
	watcher, _ := l.open() // e is the deploy's
	err = wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		rec := l.latest(watcher)
		return rec.Canary != nil && rec.Canary.Step == 30, nil
	})
	if got, want := l.split(), (split{newImg, third, 2, 1}); err != nil || got != want {
		t.Fatalf("at 30%%: %+v, want %+v (%v)", got, want, err)
	}
	cancel() // Ctrl-C
	err = <-done
	var aborted *CanaryAbortedError
	if !errors.As(err, &aborted) || aborted.Step != 30 {
		t.Fatalf("interrupted canary: %v", err)
	}
	if got, want := l.split(), (split{stable: newImg, stableReady: 3}); got != want {
		t.Errorf("after the interruption: %+v, want %+v", got, want)
	}
	e, _ = l.open()
	if rec := l.latest(e); rec.Status != release.Interrupted || rec.Canary.Status != release.CanaryAborted {
		t.Errorf("record: %+v %+v", rec, rec.Canary)
	}

	l.m.Environments[0].Canary.Manual = true
	e, _ = l.open()
	if out, err := e.Deploy(t.Context(), l.m.Services); err != nil || out.Canary.Step != 30 {
		t.Fatalf("manual canary: %+v %v", out, err)
	}
	e, _ = l.open()
	if out, err := e.CanaryAbort(t.Context()); err != nil || out.Status != release.Failed || out.Canary.Status != release.CanaryAborted {
		t.Fatalf("canary abort: %+v %v", out, err)
	}
	if got, want := l.split(), (split{stable: newImg, stableReady: 3}); got != want {
		t.Errorf("after canary abort: %+v, want %+v", got, want)
	}
	l.waitNoCanaryPods()
	_ = oldImg
}
