package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
)

// Running is one image a live pod or workload runs.
type Running struct {
	Namespace string
	Kind      string
	Name      string
	// Image is the reference as the pod template names it, or as a
	// container's status reports what it pulled (repository@digest).
	Image image.Ref
}

// runningKinds are the kinds whose pod specs say what a namespace runs.
var runningKinds = []schema.GroupKind{
	{Kind: "Pod"},
	{Group: "apps", Kind: "Deployment"}, {Group: "apps", Kind: "StatefulSet"},
	{Group: "apps", Kind: "DaemonSet"}, {Group: "apps", Kind: "ReplicaSet"},
	{Group: "batch", Kind: "Job"}, {Group: "batch", Kind: "CronJob"},
}

// Running lists the images the live pods and workloads of namespaces run,
// whoever applied them, with one List per kind and namespace. A
// ReplicaSet scaled to zero, a Deployment's old revision, runs nothing.
func (e *Environment) Running(ctx context.Context, namespaces []string) ([]Running, error) {
	cl, err := e.connect(ctx)
	if err != nil {
		return nil, err
	}
	var keys []listKey
	for _, gk := range runningKinds {
		m, err := cl.Mapper.RESTMapping(gk)
		if meta.IsNoMatchError(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("mapping %s: %w", gk, err)
		}
		for _, ns := range namespaces {
			keys = append(keys, listKey{gvr: m.Resource, namespace: ns})
		}
	}
	lists, err := listKinds(ctx, cl, keys)
	if err != nil {
		return nil, err
	}
	var out []Running
	for _, items := range lists {
		for i := range items {
			o := &items[i]
			if o.GetKind() == "ReplicaSet" && scaledDown(o) {
				continue
			}
			refs := images(o)
			if o.GetKind() == "Pod" {
				refs = append(refs, pulledImages(o)...)
			}
			for _, img := range refs {
				r := Running{Namespace: o.GetNamespace(), Kind: o.GetKind(), Name: o.GetName(), Image: image.Cut(img)}
				if !slices.Contains(out, r) {
					out = append(out, r)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Running) int {
		return strings.Compare(a.Namespace+"/"+a.Kind+"/"+a.Name+"/"+a.Image.String(), b.Namespace+"/"+b.Kind+"/"+b.Name+"/"+b.Image.String())
	})
	return out, nil
}

func scaledDown(o *unstructured.Unstructured) bool {
	want, found, _ := unstructured.NestedInt64(o.Object, "spec", "replicas")
	have, _, _ := unstructured.NestedInt64(o.Object, "status", "replicas")
	return found && want == 0 && have == 0
}

// pulledImages are the repository@digest references a pod's container
// statuses report: what the node pulled, when the spec names a tag.
func pulledImages(pod *unstructured.Unstructured) []string {
	var out []string
	for _, field := range []string{"initContainerStatuses", "containerStatuses"} {
		statuses, _, _ := unstructured.NestedSlice(pod.Object, "status", field)
		for _, s := range statuses {
			m, _ := s.(map[string]any)
			id, _ := m["imageID"].(string)
			id = strings.TrimPrefix(id, "docker-pullable://")
			if strings.Contains(id, "@sha256:") {
				out = append(out, id)
			}
		}
	}
	return out
}

// RecordsAnywhere returns the environment's release records from every
// namespace of its cluster, found by their label: also those a deploy
// with --namespace, or a kube context naming another namespace, wrote
// away from where this Environment would write. Each record says which
// namespace holds it. A caller that may not list Secrets cluster-wide
// gets an error matching apierrors.IsForbidden.
func (e *Environment) RecordsAnywhere(ctx context.Context) ([]*release.Record, error) {
	cl, err := e.connect(ctx)
	if err != nil {
		return nil, err
	}
	store := &release.Store{Secrets: cl.Clientset.CoreV1().Secrets(""), Env: e.Name}
	return store.List(ctx)
}
