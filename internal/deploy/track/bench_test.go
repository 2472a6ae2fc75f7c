package track

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/testenv"
)

// readyWatcher records, from a watch on a namespace's Deployments, when
// each first became Current: the cluster's own time to ready, seen with
// no polling delay.
type readyWatcher struct {
	mu    sync.Mutex
	ready map[string]time.Time
}

func watchReady(ctx context.Context, b *testing.B, c *kube.Cluster, ns string) *readyWatcher {
	w := &readyWatcher{ready: map[string]time.Time{}}
	gvr := schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	wi, err := c.Dynamic.Resource(gvr).Namespace(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		defer wi.Stop()
		for ev := range wi.ResultChan() {
			u, ok := ev.Object.(*unstructured.Unstructured)
			if !ok || ev.Type == watch.Deleted {
				continue
			}
			if res, err := kstatus.Compute(u); err == nil && res.Status == kstatus.CurrentStatus {
				w.mu.Lock()
				if _, seen := w.ready[u.GetName()]; !seen {
					w.ready[u.GetName()] = time.Now()
				}
				w.mu.Unlock()
			}
		}
	}()
	return w
}

func (w *readyWatcher) last(n int) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var last time.Time
	for _, t := range w.ready {
		if t.After(last) {
			last = t
		}
	}
	return last, len(w.ready) == n
}

// BenchmarkTrack30 creates 30 Deployments of 2 replicas and tracks them to
// ready. Each iteration does it twice in fresh namespaces: once with only a
// watch, for the cluster's own time to ready (from the end of the applies to
// the last Deployment turning Current), and once with the tracker, whose
// time to return is compared with it. lag is how long after the watch saw
// the last Deployment ready the tracker returned, in the same run.
func BenchmarkTrack30(b *testing.B) {
	env := testenv.Cluster(b)
	c, err := kube.New(env.RESTConfig(), "")
	if err != nil {
		b.Fatal(err)
	}
	const n = 30
	objs := func() []*unstructured.Unstructured {
		var out []*unstructured.Unstructured
		for j := range n {
			out = append(out, deployment(fmt.Sprintf("svc-%02d", j), 2, nil, nil, ""))
		}
		return out
	}
	// run applies the Deployments in a new namespace and returns when the
	// watch saw them all ready, relative to the end of the applies; with
	// track it also returns when the tracker did.
	run := func(track bool) (ready, tracked time.Duration) {
		ns := env.Namespace(b)
		ctx, cancel := context.WithCancel(b.Context())
		defer cancel()
		w := watchReady(ctx, b, c, ns)
		live := applyAll(b, c, ns, objs()...)
		applied := time.Now()
		if track {
			tr := &Tracker{Dynamic: c.Dynamic, Mapper: c.Mapper}
			if _, err := tr.Track(ctx, live, 2*time.Minute); err != nil {
				b.Fatal(err)
			}
			tracked = time.Since(applied)
		}
		last, all := w.last(n)
		for deadline := time.Now().Add(2 * time.Minute); !all && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
			last, all = w.last(n)
		}
		if !all {
			b.Fatal("the Deployments did not all become ready")
		}
		removeNamespace(b, env, ns)
		return last.Sub(applied), tracked
	}
	var untracked, tracked, lag time.Duration
	for i := 0; b.Loop(); i++ {
		// Alternate which run goes first, so neither always meets a
		// cluster still busy with the other's leftovers.
		var u, r, t time.Duration
		if i%2 == 0 {
			u, _ = run(false)
			r, t = run(true)
		} else {
			r, t = run(true)
			u, _ = run(false)
		}
		untracked += u
		tracked += t
		lag += max(t-r, 0)
	}
	per := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(b.N) }
	b.ReportMetric(per(untracked), "cluster-ms/op")
	b.ReportMetric(per(tracked), "tracked-ms/op")
	b.ReportMetric(per(lag), "lag-ms/op")
	b.ReportMetric(100*(float64(tracked)-float64(untracked))/float64(untracked), "overhead-%")
}

// removeNamespace deletes ns and waits until its pods are gone, so the next
// run starts on an idle cluster.
func removeNamespace(b *testing.B, env *testenv.ClusterEnv, ns string) {
	cs := env.Clientset(b)
	if err := cs.CoreV1().Namespaces().Delete(b.Context(), ns, metav1.DeleteOptions{}); err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		_, err := cs.CoreV1().Namespaces().Get(b.Context(), ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return
		}
	}
	b.Fatalf("namespace %s is still there", ns)
}
