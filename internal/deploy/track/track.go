package track

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/x-platform/x-platform/internal/deploy/object"
)

// LogReader reads the end of a container's log.
type LogReader interface {
	Logs(ctx context.Context, namespace, pod, container string, previous bool, tail int64) (string, error)
}

// Tracker follows objects until they are ready, fail or run out of time.
type Tracker struct {
	Dynamic dynamic.Interface
	Mapper  meta.RESTMapper
	Logs    LogReader
	// Selector, when set, selects every tracked object (the ApplySet's
	// label), so each kind and namespace is read with one list.
	Selector string
	// Interval between polls; 0 means 200ms.
	Interval time.Duration
	// OnProgress is called when an object's state or replica counts change.
	OnProgress func(Status)
	// OnEvent is called once for each new warning event about a tracked
	// object or its pods.
	OnEvent func(ref object.Ref, message string)
	// Outage is how long the API may fail to answer before tracking ends
	// with an *UnreachableError; 0 means a minute. The deadline of Track
	// bounds it too.
	Outage time.Duration
	// OnUnreachable is called with the error when the API stops answering,
	// and with nil when it answers again.
	OnUnreachable func(error)
}

// FailedError is a rollout that did not become ready.
type FailedError struct {
	Failed   []Status
	TimedOut bool
	Timeout  time.Duration
}

func (e *FailedError) Error() string {
	var parts []string
	for _, s := range e.Failed {
		parts = append(parts, s.Ref.String()+": "+s.Summary())
	}
	if e.TimedOut {
		return fmt.Sprintf("not ready after %s: %s", e.Timeout, strings.Join(parts, "; "))
	}
	return strings.Join(parts, "; ")
}

type item struct {
	policy     Policy
	gvr        schema.GroupVersionResource
	namespaced bool
	live       *unstructured.Unstructured
	status     Status
	reported   Status
}

// blocking says whether the deploy waits for the item.
func (it *item) blocking() bool {
	return it.policy.Track && it.policy.FailMode != IgnoreAndContinueDeployProcess
}

// Track follows objs (as the server returned them from the apply) until
// every tracked one is ready, one fails in a way that fails the deploy, or
// timeout passes. It returns the last status of every object, and a
// *FailedError when the rollout failed.
func (t *Tracker) Track(ctx context.Context, objs []*unstructured.Unstructured, timeout time.Duration) ([]Status, error) {
	items := make([]*item, len(objs))
	for i, o := range objs {
		p, err := PolicyOf(o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", object.RefOf(o), err)
		}
		it := &item{policy: p, live: o, status: Status{Ref: object.RefOf(o), State: Untracked}}
		if p.Track {
			gvk := o.GroupVersionKind()
			m, err := t.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
			if err != nil {
				return nil, fmt.Errorf("mapping %s to a resource: %w", gvk, err)
			}
			it.gvr, it.namespaced = m.Resource, m.Scope.Name() == meta.RESTScopeNameNamespace
		}
		items[i] = it
	}
	interval := t.Interval
	if interval <= 0 {
		interval = 200 * time.Millisecond
	}
	deadline := time.Now().Add(timeout)
	seen := map[string]bool{}
	down := &outage{bound: t.Outage}
	if down.bound <= 0 {
		down.bound = defaultOutage
	}
	for tick := 0; ; tick++ {
		wait := interval
		switch err := t.poll(ctx, items, tick); {
		case ctx.Err() != nil:
			return statuses(items), ctx.Err()
		case err != nil && !transient(err):
			return statuses(items), err
		case err != nil:
			// One failed read says nothing about the rollout: try again,
			// backing off, until the outage outlasts its bound.
			if down.fails == 0 && t.OnUnreachable != nil {
				t.OnUnreachable(err)
			}
			if wait, err = down.failed(err, interval, deadline); err != nil {
				return statuses(items), err
			}
			if !sleep(ctx, wait) {
				return statuses(items), ctx.Err()
			}
			continue
		case down.answered() && t.OnUnreachable != nil:
			t.OnUnreachable(nil)
		}
		t.report(items, tick == 0)
		if tick%5 == 4 && t.OnEvent != nil {
			t.streamEvents(ctx, items, seen)
		}
		if done, failed := decide(items); done {
			return t.finish(ctx, items, failed, false, timeout)
		}
		if time.Now().After(deadline) {
			return t.finish(ctx, items, true, true, timeout)
		}
		if !sleep(ctx, wait) {
			return statuses(items), ctx.Err()
		}
	}
}

// sleep waits d, or less when ctx ends first; it says whether ctx is alive.
func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// decide says whether tracking is over, and if so whether it failed.
func decide(items []*item) (done, failed bool) {
	waiting, hoping := false, false
	for _, it := range items {
		if !it.blocking() {
			continue
		}
		switch {
		case it.status.State == Failed && it.policy.FailMode == FailWholeDeployProcessImmediately:
			return true, true
		case it.status.State == Failed:
			hoping = true
		case it.status.State != Ready:
			waiting = true
		}
	}
	if waiting {
		return false, false
	}
	return true, hoping
}

// finish settles the final states and gathers events and logs of what failed.
func (t *Tracker) finish(ctx context.Context, items []*item, failed, timedOut bool, timeout time.Duration) ([]Status, error) {
	var bad []Status
	for _, it := range items {
		switch {
		case !it.policy.Track:
			continue
		case it.policy.FailMode == IgnoreAndContinueDeployProcess && it.status.State != Ready:
			it.status.State = Ignored
		case timedOut && it.status.State == Progressing:
			it.status.State = TimedOut
		}
		// A failure cuts the others short: only the failed ones are to blame.
		if it.blocking() && (it.status.State == Failed || timedOut && it.status.State != Ready) {
			t.diagnose(ctx, it)
			bad = append(bad, it.status)
		}
	}
	t.report(items, false)
	if !failed {
		return statuses(items), nil
	}
	return statuses(items), &FailedError{Failed: bad, TimedOut: timedOut, Timeout: timeout}
}

func statuses(items []*item) []Status {
	out := make([]Status, len(items))
	for i, it := range items {
		out[i] = it.status
	}
	return out
}

// report calls OnProgress for every object whose status line changed;
// first leaves out objects without replicas that are ready at once
// (services, config maps), which have nothing to show.
func (t *Tracker) report(items []*item, first bool) {
	for _, it := range items {
		if !it.policy.Track {
			continue
		}
		s := it.status
		if r := it.reported; s.State == r.State && s.Summary() == r.Summary() {
			continue
		}
		it.reported = s
		if first && s.State == Ready && !s.Replicas {
			continue
		}
		if t.OnProgress != nil {
			t.OnProgress(s)
		}
	}
}

// pending lists the items whose state may still change.
func pending(items []*item) []*item {
	var out []*item
	for _, it := range items {
		if it.policy.Track && it.status.State != Ready {
			out = append(out, it)
		}
	}
	return out
}

// podsEvery is how many polls pass between looks at the pods.
const podsEvery = 5

var (
	podsGVR   = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	rsetsGVR  = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}
	eventsGVR = schema.GroupVersionResource{Version: "v1", Resource: "events"}
)

// namespacesOf lists the namespaces of items, "" standing for cluster scope.
func namespacesOf(items []*item) []string {
	var out []string
	seen := map[string]bool{}
	for _, it := range items {
		ns := it.status.Ref.Namespace
		if !seen[ns] {
			seen[ns] = true
			out = append(out, ns)
		}
	}
	return out
}
