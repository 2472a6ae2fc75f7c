package deploy

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/image"
)

// liveSet is the live objects of a release, by key; a key without an
// entry is an object that is gone.
type liveSet map[object.Key]*unstructured.Unstructured

// listKey is one List request: a resource in a namespace.
type listKey struct {
	gvr       schema.GroupVersionResource
	namespace string // "" for cluster-scoped resources
}

// listLive reads the live objects among refs with one List per kind and
// namespace, however many objects there are: a status of a hundred
// services stays a handful of requests.
func listLive(ctx context.Context, cl *kube.Cluster, namespace string, refs []object.Ref) (liveSet, error) {
	wanted := map[listKey]map[object.Key]bool{}
	for _, r := range refs {
		m, err := cl.Mapper.RESTMapping(r.GroupKind(), r.Version)
		if meta.IsNoMatchError(err) {
			continue // the kind is gone from the cluster, and with it the object
		}
		if err != nil {
			return nil, fmt.Errorf("mapping %s: %w", r, err)
		}
		k := listKey{gvr: m.Resource}
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			k.namespace = r.Namespace
			if k.namespace == "" {
				k.namespace = namespace
			}
		}
		if wanted[k] == nil {
			wanted[k] = map[object.Key]bool{}
		}
		wanted[k][keyIn(r, k.namespace)] = true
	}
	keys := make([]listKey, 0, len(wanted))
	for k := range wanted {
		keys = append(keys, k)
	}
	lists, err := listKinds(ctx, cl, keys)
	if err != nil {
		return nil, err
	}
	out := liveSet{}
	for k, items := range lists {
		for i := range items {
			o := &items[i]
			key := keyIn(object.RefOf(o), k.namespace)
			if wanted[k][key] {
				out[key] = o
			}
		}
	}
	return out, nil
}

// listKinds makes one List request per key, a few at a time, and returns
// every object each one lists.
func listKinds(ctx context.Context, cl *kube.Cluster, keys []listKey) (map[listKey][]unstructured.Unstructured, error) {
	type listed struct {
		k     listKey
		items []unstructured.Unstructured
	}
	results := make(chan listed, len(keys))
	var g errgroup.Group
	g.SetLimit(8)
	for _, k := range keys {
		g.Go(func() error {
			var list *unstructured.UnstructuredList
			var err error
			if k.namespace == "" {
				list, err = cl.Dynamic.Resource(k.gvr).List(ctx, metav1.ListOptions{})
			} else {
				list, err = cl.Dynamic.Resource(k.gvr).Namespace(k.namespace).List(ctx, metav1.ListOptions{})
			}
			if err != nil {
				return fmt.Errorf("listing %s in %q: %w", k.gvr.Resource, k.namespace, err)
			}
			results <- listed{k, list.Items}
			return nil
		})
	}
	err := g.Wait()
	close(results)
	if err != nil {
		return nil, err
	}
	out := map[listKey][]unstructured.Unstructured{}
	for l := range results {
		out[l.k] = l.items
	}
	return out, nil
}

// keyIn is r's key with the namespace objects that name none end up in.
func keyIn(r object.Ref, namespace string) object.Key {
	r.Namespace, r.Version = namespace, ""
	return r.Key()
}

// podTemplate is where a workload's pod spec is.
func podSpec(o *unstructured.Unstructured) (map[string]any, bool) {
	var path []string
	switch o.GetKind() {
	case "Pod":
		path = []string{"spec"}
	case "CronJob":
		path = []string{"spec", "jobTemplate", "spec", "template", "spec"}
	default:
		path = []string{"spec", "template", "spec"}
	}
	spec, ok, _ := unstructured.NestedMap(o.Object, path...)
	return spec, ok
}

// images lists the images of the containers of o's pod template.
func images(o *unstructured.Unstructured) []string {
	spec, ok := podSpec(o)
	if !ok {
		return nil
	}
	var out []string
	for _, field := range []string{"initContainers", "containers"} {
		cs, _, _ := unstructured.NestedSlice(spec, field)
		for _, c := range cs {
			if m, ok := c.(map[string]any); ok {
				if img, ok := m["image"].(string); ok {
					out = append(out, img)
				}
			}
		}
	}
	return out
}

// runningImages is, per image repository, the digests live workloads
// run, sorted; an image pinned by tag only counts as "" (no digest).
func runningImages(live liveSet) map[string][]string {
	out := map[string][]string{}
	for _, o := range live {
		for _, img := range images(o) {
			ref := image.Cut(img)
			repo, digest := ref.Repository(), ref.Digest()
			if !slices.Contains(out[repo], digest) {
				out[repo] = append(out[repo], digest)
			}
		}
	}
	for _, ds := range out {
		slices.Sort(ds)
	}
	return out
}
