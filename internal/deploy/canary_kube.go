package deploy

import (
	"context"
	"fmt"
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

var deploymentsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}

func (d *Deployer) deployments(ns string) dynamic.ResourceInterface {
	return d.Cluster.Dynamic.Resource(deploymentsGVR).Namespace(ns)
}

// canaryStep gives each workload's canary its share at percent of the
// replicas and the stable Deployment the rest, and waits for both to be
// ready. wants are the release's Deployments by namespace/name.
func (d *Deployer) canaryStep(ctx context.Context, c *release.CanaryRecord, wants map[string]*unstructured.Unstructured, percent int) error {
	var live []*unstructured.Unstructured
	for _, w := range c.Workloads {
		want, ok := wants[w.Namespace+"/"+w.Name]
		if !ok {
			return fmt.Errorf("the release renders no deployment %s/%s", w.Namespace, w.Name)
		}
		canary, stable := canaryReplicas(w.Total, percent)
		obj := canaryDeployment(want, w.Namespace, canary)
		l, err := d.deployments(w.Namespace).Apply(ctx, obj.GetName(), obj, metav1.ApplyOptions{FieldManager: canaryManager, Force: true})
		if err != nil {
			return fmt.Errorf("applying deployment %s/%s: %w", w.Namespace, obj.GetName(), err)
		}
		s, err := d.scale(ctx, w.Namespace, w.Name, stable)
		if err != nil {
			return err
		}
		d.step("%s/%s: %d canary, %d stable replica(s)", w.Namespace, w.Name, canary, stable)
		live = append(live, l, s)
	}
	return d.trackCanary(ctx, live)
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
func (d *Deployer) restoreStable(ctx context.Context, c *release.CanaryRecord, final bool) error {
	for _, w := range c.Workloads {
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
