package apply

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/x-platform/x-platform/internal/deploy/applyset"
	"github.com/x-platform/x-platform/internal/deploy/object"
)

var secrets = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}

// member is an object the cluster holds with the set's label.
type member struct {
	ref             object.Ref
	resourceVersion string
	gvr             schema.GroupVersionResource
	namespaced      bool
}

func (m member) client(a *Applier) interface {
	Delete(context.Context, string, metav1.DeleteOptions, ...string) error
} {
	if m.namespaced {
		return a.Dynamic.Resource(m.gvr).Namespace(m.ref.Namespace)
	}
	return a.Dynamic.Resource(m.gvr)
}

// readParent returns what the set's parent records; an absent parent
// records nothing.
func (a *Applier) readParent(ctx context.Context) (applyset.Inventory, error) {
	live, err := a.Dynamic.Resource(secrets).Namespace(a.Set.Namespace).Get(ctx, a.Set.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return applyset.Inventory{}, nil
	}
	if err != nil {
		return applyset.Inventory{}, fmt.Errorf("reading the ApplySet parent secret %s/%s: %w", a.Set.Namespace, a.Set.Name, err)
	}
	return a.Set.Read(live)
}

func (a *Applier) writeParent(ctx context.Context, inv applyset.Inventory) error {
	data, err := json.Marshal(a.Set.Object(inv).Object)
	if err != nil {
		return fmt.Errorf("encoding the ApplySet parent: %w", err)
	}
	force := true
	_, err = a.Dynamic.Resource(secrets).Namespace(a.Set.Namespace).Patch(ctx, a.Set.Name, types.ApplyPatchType, data,
		metav1.PatchOptions{FieldManager: FieldManager, Force: &force})
	if err != nil {
		return fmt.Errorf("writing the ApplySet parent secret %s/%s: %w", a.Set.Namespace, a.Set.Name, err)
	}
	return nil
}

// listMembers lists, for every kind and namespace inv records, the objects
// that carry the set's label: nothing outside the set can be found this way.
func (a *Applier) listMembers(ctx context.Context, inv applyset.Inventory) (map[object.Key]member, error) {
	var (
		mu  sync.Mutex
		out = map[object.Key]member{}
		g   errgroup.Group
	)
	g.SetLimit(a.parallel())
	for _, gk := range inv.GroupKinds {
		m, err := a.Mapper.RESTMapping(gk)
		if meta.IsNoMatchError(err) {
			continue // the kind is gone from the cluster, and its objects with it
		}
		if err != nil {
			return nil, fmt.Errorf("mapping %s to a resource: %w", gk, err)
		}
		namespaced := m.Scope.Name() == meta.RESTScopeNameNamespace
		namespaces := []string{""}
		if namespaced {
			namespaces = append([]string{a.Set.Namespace}, inv.Namespaces...)
		}
		for _, ns := range namespaces {
			g.Go(func() error {
				list, err := a.Dynamic.Resource(m.Resource).Namespace(ns).List(ctx, metav1.ListOptions{LabelSelector: a.Set.Selector()})
				if apierrors.IsNotFound(err) {
					return nil
				}
				if err != nil {
					return fmt.Errorf("listing %s of the set in %q: %w", m.Resource.Resource, ns, err)
				}
				mu.Lock()
				defer mu.Unlock()
				for i := range list.Items {
					ref := object.RefOf(&list.Items[i])
					ref.Group, ref.Kind, ref.Version = gk.Group, gk.Kind, m.Resource.Version
					out[ref.Key()] = member{ref: ref, resourceVersion: list.Items[i].GetResourceVersion(), gvr: m.Resource, namespaced: namespaced}
				}
				return nil
			})
		}
	}
	return out, g.Wait()
}

// pruneOrder deletes namespaced objects first and namespaces last, so no
// deletion cascades into one still to be reported.
func pruneOrder(m member) int {
	switch {
	case m.ref.GroupKind() == schema.GroupKind{Kind: "Namespace"}:
		return 3
	case m.ref.GroupKind() == crdKind:
		return 2
	case !m.namespaced:
		return 1
	}
	return 0
}

// prune deletes the members that p no longer holds.
func (a *Applier) prune(ctx context.Context, p *prepared, members map[object.Key]member) ([]Result, error) {
	keep := map[object.Key]bool{}
	for _, o := range p.objs {
		keep[o.ref.Key()] = true
	}
	var gone []member
	for k, m := range members {
		if !keep[k] {
			gone = append(gone, m)
		}
	}
	slices.SortFunc(gone, func(x, y member) int {
		if d := pruneOrder(x) - pruneOrder(y); d != 0 {
			return d
		}
		return compareRefs(x.ref, y.ref)
	})
	var results, failed []Result
	background := metav1.DeletePropagationBackground
	for _, m := range gone {
		r := Result{Ref: m.ref, Action: Pruned}
		var err error
		if isNamespace(m.ref) {
			r.Action, err = Orphaned, a.orphan(ctx, m)
		} else {
			err = m.client(a).Delete(ctx, m.ref.Name, metav1.DeleteOptions{PropagationPolicy: &background})
		}
		if err != nil && !apierrors.IsNotFound(err) {
			r.Action, r.Err = Failed, fmt.Errorf("pruning: %w", err)
			failed = append(failed, r)
		}
		results = append(results, r)
	}
	if len(failed) > 0 {
		return results, &ObjectsError{Failed: failed}
	}
	return results, nil
}

func isNamespace(ref object.Ref) bool {
	return ref.GroupKind() == schema.GroupKind{Kind: "Namespace"}
}

// orphan takes a Namespace the overlay no longer renders out of the set
// instead of deleting it: deleting a namespace deletes everything in it,
// objects that were never members of the set included — other tools'
// objects, and this environment's own release records and lock. Whoever
// really wants it gone deletes it by hand.
func (a *Applier) orphan(ctx context.Context, m member) error {
	patch := []byte(`{"metadata":{"labels":{"` + applyset.PartOfLabel + `":null}}}`)
	_, err := a.Dynamic.Resource(m.gvr).Patch(ctx, m.ref.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: FieldManager})
	if err != nil {
		return fmt.Errorf("taking the namespace out of the set: %w", err)
	}
	return nil
}

func compareRefs(x, y object.Ref) int {
	if x.String() < y.String() {
		return -1
	}
	if x.String() > y.String() {
		return 1
	}
	return 0
}

// waitEstablished waits until the CRDs just applied serve their kinds.
func (a *Applier) waitEstablished(ctx context.Context, p *prepared, idx []int, results []Result) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for _, i := range idx {
		o := p.objs[i]
		err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
			live, err := o.client(a.Dynamic).Get(ctx, o.ref.Name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			conds, _, _ := unstructured.NestedSlice(live.Object, "status", "conditions")
			for _, c := range conds {
				c, _ := c.(map[string]any)
				if c["type"] == "Established" && c["status"] == "True" {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			results[i].Action, results[i].Err = Failed, fmt.Errorf("waiting for the CRD to be established: %w", err)
			return &ObjectsError{Failed: []Result{results[i]}}
		}
	}
	return nil
}
