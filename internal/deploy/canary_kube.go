package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/track"
)

// canaryManager is the field manager of the canary's own writes: its
// Deployment and the stable one's replicas while it runs.
const canaryManager = "x-platform-canary"

var (
	deploymentsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	servicesGVR    = schema.GroupVersionResource{Version: "v1", Resource: "services"}
)

func (d *Deployer) deployments(ns string) dynamic.ResourceInterface {
	return d.Cluster.Dynamic.Resource(deploymentsGVR).Namespace(ns)
}

// canaryStep gives each workload's canary its share at percent: of the
// replicas, the stable Deployment keeping the rest, or for a split by
// route of its HTTPRoutes' weights. It waits for the Deployments to be
// ready. wants are the release's objects by objKey.
func (d *Deployer) canaryStep(ctx context.Context, c *release.CanaryRecord, wants map[string]*unstructured.Unstructured, percent int) error {
	var live []*unstructured.Unstructured
	for _, w := range c.Workloads {
		want := wants[objKey("Deployment", w.Namespace, w.Name)]
		if want == nil {
			return fmt.Errorf("the release renders no deployment %s/%s", w.Namespace, w.Name)
		}
		canary, stable := canaryReplicas(w.Total, percent)
		obj := canaryDeployment(want, w.Namespace, canary)
		svc := wants[objKey("Service", w.Namespace, w.Service)]
		if w.Service != "" {
			if svc == nil {
				return fmt.Errorf("the release renders no service %s/%s", w.Namespace, w.Service)
			}
			obj = routedCanary(want, svc, w.Namespace, canary)
		}
		l, err := d.applyCanary(ctx, deploymentsGVR, obj)
		if err != nil {
			return err
		}
		live = append(live, l)
		if w.Service == "" {
			s, err := d.scale(ctx, w.Namespace, w.Name, stable)
			if err != nil {
				return err
			}
			d.step("%s/%s: %d canary, %d stable replica(s)", w.Namespace, w.Name, canary, stable)
			live = append(live, s)
			continue
		}
		if _, err := d.applyCanary(ctx, servicesGVR, canaryService(svc, w.Namespace)); err != nil {
			return err
		}
		if err := d.setRoutes(ctx, w, wants, percent); err != nil {
			return err
		}
		s, c := routeWeights(percent)
		d.step("%s/%s: %d canary replica(s); routes %s send %d%% to %s, %d%% to %s%s", w.Namespace, w.Name, canary, strings.Join(w.Routes, ", "), s, w.Service, c, w.Service, canarySuffix)
	}
	return d.trackCanary(ctx, live)
}

// applyCanary applies one of the canary's own objects.
func (d *Deployer) applyCanary(ctx context.Context, gvr schema.GroupVersionResource, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	l, err := d.Cluster.Dynamic.Resource(gvr).Namespace(obj.GetNamespace()).Apply(ctx, obj.GetName(), obj, metav1.ApplyOptions{FieldManager: canaryManager, Force: true})
	if err != nil {
		return nil, fmt.Errorf("applying %s %s/%s: %w", gvr.Resource, obj.GetNamespace(), obj.GetName(), err)
	}
	return l, nil
}

// setRoutes writes the rules of w's routes as routes (by objKey) have
// them, shared at percent (see routeAt); a route routes lacks is left.
func (d *Deployer) setRoutes(ctx context.Context, w release.CanaryWorkload, routes map[string]*unstructured.Unstructured, percent int) error {
	for _, name := range w.Routes {
		r := routes[objKey("HTTPRoute", w.Namespace, name)]
		if r == nil {
			continue
		}
		want := routeAt(r, w.Service, percent)
		rules, _, _ := unstructured.NestedSlice(want.Object, "spec", "rules")
		patch, err := json.Marshal(map[string]any{"spec": map[string]any{"rules": rules}})
		if err != nil {
			return fmt.Errorf("encoding the rules of httproute %s/%s: %w", w.Namespace, name, err)
		}
		m, err := d.Cluster.Mapper.RESTMapping(schema.GroupKind{Group: gatewayGroup, Kind: "HTTPRoute"}, want.GroupVersionKind().Version)
		if err != nil {
			return fmt.Errorf("finding the HTTPRoute API: %w", err)
		}
		routes := d.Cluster.Dynamic.Resource(m.Resource).Namespace(w.Namespace)
		live, err := routes.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: canaryManager})
		if err != nil {
			return fmt.Errorf("setting the weights of httproute %s/%s: %w", w.Namespace, name, err)
		}
		if percent == 0 {
			if err := disown(ctx, routes, live); err != nil {
				return err
			}
		}
	}
	return nil
}

// disown drops the canary's entry from the managed fields of live, once
// it is back as the release has it: the server defaults a route's rules,
// so the release's next apply would otherwise conflict with the canary
// over values it sees as different.
func disown(ctx context.Context, client dynamic.ResourceInterface, live *unstructured.Unstructured) error {
	var kept []any
	fields, _, _ := unstructured.NestedSlice(live.Object, "metadata", "managedFields")
	for _, f := range fields {
		if m, _ := f.(map[string]any); m["manager"] != canaryManager {
			kept = append(kept, f)
		}
	}
	if len(kept) == len(fields) || len(kept) == 0 {
		return nil
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"managedFields": kept, "resourceVersion": live.GetResourceVersion()}})
	if err != nil {
		return fmt.Errorf("encoding the managed fields of %s: %w", live.GetName(), err)
	}
	if _, err := client.Patch(ctx, live.GetName(), types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("handing httproute %s/%s back to the release: %w", live.GetNamespace(), live.GetName(), err)
	}
	return nil
}

// objKey names an object of a release among its others.
func objKey(kind, ns, name string) string { return kind + "/" + ns + "/" + name }

// objectsByKey indexes a release's manifest by objKey; ns is the one of
// objects that name none.
func objectsByKey(manifest []byte, ns string) (map[string]*unstructured.Unstructured, error) {
	objs, err := appliedObjects(manifest)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*unstructured.Unstructured, len(objs))
	for _, o := range objs {
		out[objKey(o.GetKind(), nsOr(o.GetNamespace(), ns), o.GetName())] = o
	}
	return out, nil
}

// scale sets a stable Deployment's replicas, leaving its template alone.
func (d *Deployer) scale(ctx context.Context, ns, name string, replicas int) (*unstructured.Unstructured, error) {
	patch := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, replicas)
	l, err := d.deployments(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: canaryManager})
	if err != nil {
		return nil, fmt.Errorf("scaling deployment %s/%s to %d: %w", ns, name, replicas, err)
	}
	return l, nil
}

// trackCanary waits for live to be ready, as a rollout does.
func (d *Deployer) trackCanary(ctx context.Context, live []*unstructured.Unstructured) error {
	t := &track.Tracker{
		Dynamic: d.Cluster.Dynamic, Mapper: d.Cluster.Mapper, Logs: d.Cluster, Interval: d.Interval,
		OnProgress: d.reportStatus, OnEvent: d.reportEvent, OnUnreachable: d.reportUnreachable, Outage: d.Outage,
	}
	_, err := t.Track(ctx, live, d.timeout())
	return err
}

func (d *Deployer) timeout() time.Duration {
	if d.Timeout <= 0 {
		return 5 * time.Minute
	}
	return d.Timeout
}

// restoreStable gives each stable Deployment its replicas: those it ran
// before (an abort) or the release's (before the full rollout, so that the
// release's apply sets the value the canary's scale left).
func (d *Deployer) restoreStable(ctx context.Context, c *release.CanaryRecord, final bool, routes map[string]*unstructured.Unstructured) error {
	for _, w := range c.Workloads {
		if w.Service != "" {
			// The stable Deployment kept its replicas; its routes go back.
			if err := d.setRoutes(ctx, w, routes, 0); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
			continue
		}
		n := w.Replicas
		if final {
			n = w.Total
		}
		if _, err := d.scale(ctx, w.Namespace, w.Name, n); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// deleteCanary deletes the canary Deployments and waits until they are
// gone with their pods, so that one version runs once it returns.
func (d *Deployer) deleteCanary(ctx context.Context, c *release.CanaryRecord) error {
	fg := metav1.DeletePropagationForeground
	for _, w := range c.Workloads {
		err := d.deployments(w.Namespace).Delete(ctx, w.Name+canarySuffix, metav1.DeleteOptions{PropagationPolicy: &fg})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting deployment %s/%s%s: %w", w.Namespace, w.Name, canarySuffix, err)
		}
		if w.Service == "" {
			continue
		}
		err = d.Cluster.Dynamic.Resource(servicesGVR).Namespace(w.Namespace).Delete(ctx, w.Service+canarySuffix, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting service %s/%s%s: %w", w.Namespace, w.Service, canarySuffix, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()
	for _, w := range c.Workloads {
		err := wait.PollUntilContextCancel(ctx, d.pollInterval(), true, func(ctx context.Context) (bool, error) {
			_, err := d.deployments(w.Namespace).Get(ctx, w.Name+canarySuffix, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return true, nil
			}
			return false, err
		})
		if err != nil {
			return fmt.Errorf("waiting for deployment %s/%s%s to be gone: %w", w.Namespace, w.Name, canarySuffix, err)
		}
	}
	return nil
}

func (d *Deployer) pollInterval() time.Duration {
	if d.Interval > 0 {
		return d.Interval
	}
	return 200 * time.Millisecond
}

// waitStable waits until each stable Deployment c split by replicas has
// its replicas back and ready, so that an abort returns once the earlier
// version serves as before.
func (d *Deployer) waitStable(ctx context.Context, c *release.CanaryRecord) error {
	ctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()
	for _, w := range c.Workloads {
		if w.Service != "" {
			continue // a route split never scaled it
		}
		err := wait.PollUntilContextCancel(ctx, d.pollInterval(), true, func(ctx context.Context) (bool, error) {
			live, err := d.deployments(w.Namespace).Get(ctx, w.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return true, nil
			}
			if err != nil {
				return false, err
			}
			gen, _, _ := unstructured.NestedInt64(live.Object, "metadata", "generation")
			seen, _, _ := unstructured.NestedInt64(live.Object, "status", "observedGeneration")
			ready, _, _ := unstructured.NestedInt64(live.Object, "status", "readyReplicas")
			return seen >= gen && ready >= int64(w.Replicas), nil
		})
		if err != nil {
			return fmt.Errorf("waiting for deployment %s/%s to have its %d replicas ready again: %w", w.Namespace, w.Name, w.Replicas, err)
		}
	}
	return nil
}
