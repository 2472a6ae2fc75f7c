package track

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// refresh reads the pending items again: one list per kind and namespace
// when the set has a selector, else one read per object.
func (t *Tracker) refresh(ctx context.Context, items []*item) error {
	type group struct {
		gvr schema.GroupVersionResource
		ns  string
	}
	groups := map[group][]*item{}
	for _, it := range pending(items) {
		g := group{it.gvr, it.status.Ref.Namespace}
		groups[g] = append(groups[g], it)
	}
	for g, its := range groups {
		client := t.Dynamic.Resource(g.gvr).Namespace(g.ns)
		if t.Selector != "" {
			list, err := client.List(ctx, metav1.ListOptions{LabelSelector: t.Selector})
			if err != nil {
				return fmt.Errorf("reading %s in %q: %w", g.gvr.Resource, g.ns, err)
			}
			byName := map[string]*unstructured.Unstructured{}
			for i := range list.Items {
				byName[list.Items[i].GetName()] = &list.Items[i]
			}
			for _, it := range its {
				if live, ok := byName[it.status.Ref.Name]; ok {
					it.live = live
				}
			}
			continue
		}
		for _, it := range its {
			live, err := client.Get(ctx, it.status.Ref.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				continue
			}
			if err != nil {
				return fmt.Errorf("reading %s: %w", it.status.Ref, err)
			}
			it.live = live
		}
	}
	return nil
}

// ownsPods lists the kinds whose readiness hangs on their pods.
var ownsPods = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true, "ReplicaSet": true, "Job": true, "Pod": true}

// inspect computes the status of each pending item and, with pods, looks
// at the current pods of workloads that are not ready for a failure cause.
func (t *Tracker) inspect(ctx context.Context, items []*item, pods bool) error {
	cache := &nsCache{t: t, pods: map[string][]corev1.Pod{}, rsets: map[string][]appsv1.ReplicaSet{}}
	for _, it := range pending(items) {
		it.status = evaluate(it.live)
		if !pods || it.status.State == Ready || !ownsPods[it.live.GetKind()] {
			continue
		}
		ns := it.status.Ref.Namespace
		all, err := cache.podsIn(ctx, ns)
		if err != nil {
			return err
		}
		current, err := currentPods(it.live, all, func() ([]appsv1.ReplicaSet, error) { return cache.rsetsIn(ctx, ns) })
		if err != nil {
			return err
		}
		failures := 0
		for _, p := range current {
			for _, pr := range podProblems(p) {
				failures += pr.Failures
				it.status.Problems = append(it.status.Problems, pr)
			}
		}
		allowed := it.policy.FailuresAllowedPerReplica * int(max(it.status.Desired, 1))
		if failures > allowed && it.status.State != Failed {
			it.status.State = Failed
			it.status.Cause = it.status.Problems[0].Cause
		}
	}
	return nil
}

// nsCache reads each namespace's pods and ReplicaSets at most once a poll.
type nsCache struct {
	t     *Tracker
	pods  map[string][]corev1.Pod
	rsets map[string][]appsv1.ReplicaSet
}

func (c *nsCache) podsIn(ctx context.Context, ns string) ([]corev1.Pod, error) {
	if p, ok := c.pods[ns]; ok {
		return p, nil
	}
	var pods []corev1.Pod
	if err := list(ctx, c.t, podsGVR, ns, "", &pods); err != nil {
		return nil, err
	}
	c.pods[ns] = pods
	return pods, nil
}

func (c *nsCache) rsetsIn(ctx context.Context, ns string) ([]appsv1.ReplicaSet, error) {
	if r, ok := c.rsets[ns]; ok {
		return r, nil
	}
	var rsets []appsv1.ReplicaSet
	if err := list(ctx, c.t, rsetsGVR, ns, "", &rsets); err != nil {
		return nil, err
	}
	c.rsets[ns] = rsets
	return rsets, nil
}

// list reads a namespace's objects of one resource into typed values.
func list[T any](ctx context.Context, t *Tracker, gvr schema.GroupVersionResource, ns, fieldSelector string, out *[]T) error {
	l, err := t.Dynamic.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{FieldSelector: fieldSelector})
	if err != nil {
		return fmt.Errorf("listing %s in %q: %w", gvr.Resource, ns, err)
	}
	*out = make([]T, len(l.Items))
	for i := range l.Items {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(l.Items[i].Object, &(*out)[i]); err != nil {
			return fmt.Errorf("reading %s %s: %w", gvr.Resource, l.Items[i].GetName(), err)
		}
	}
	return nil
}
