package apply

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/x-platform/x-platform/internal/deploy/applyset"
	"github.com/x-platform/x-platform/internal/deploy/object"
)

// phase orders applies: a namespace must exist before what it holds, and a
// CRD before its custom resources.
type phase int

const (
	phaseNamespaces phase = iota
	phaseCRDs
	phaseRest
)

var crdKind = schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}

type preparedObject struct {
	obj        *unstructured.Unstructured
	ref        object.Ref
	gvr        schema.GroupVersionResource
	namespaced bool
	phase      phase
	// pending marks a custom resource whose CRD is applied in the same run;
	// it is mapped once that CRD is established.
	pending bool
}

func (o preparedObject) client(d dynamic.Interface) dynamic.ResourceInterface {
	if o.namespaced {
		return d.Resource(o.gvr).Namespace(o.ref.Namespace)
	}
	return d.Resource(o.gvr)
}

type prepared struct {
	objs []preparedObject
}

func (p *prepared) phase(ph phase) []int {
	var idx []int
	for i, o := range p.objs {
		if o.phase == ph {
			idx = append(idx, i)
		}
	}
	return idx
}

func (p *prepared) inventory(parentNS string) applyset.Inventory {
	objs := make([]*unstructured.Unstructured, len(p.objs))
	for i, o := range p.objs {
		objs[i] = o.obj
	}
	return applyset.Of(objs, parentNS)
}

// prepare copies objs, maps their kinds to resources, puts namespaced
// objects without a namespace into the set's namespace and labels every
// object as a member. Problems found here are reported before anything is
// sent.
func (a *Applier) prepare(objs []*unstructured.Unstructured) (*prepared, error) {
	crds := map[schema.GroupKind]bool{} // kind → namespaced
	for _, o := range objs {
		if o.GroupVersionKind().GroupKind() == crdKind {
			group, _, _ := unstructured.NestedString(o.Object, "spec", "group")
			kind, _, _ := unstructured.NestedString(o.Object, "spec", "names", "kind")
			scope, _, _ := unstructured.NestedString(o.Object, "spec", "scope")
			crds[schema.GroupKind{Group: group, Kind: kind}] = scope != "Cluster"
		}
	}
	p := &prepared{}
	seen := map[object.Key]bool{}
	var bad []Result
	for _, in := range objs {
		o := preparedObject{obj: in.DeepCopy(), phase: phaseRest}
		gvk := o.obj.GroupVersionKind()
		switch gk := gvk.GroupKind(); {
		case gk == schema.GroupKind{Kind: "Namespace"}:
			o.phase = phaseNamespaces
		case gk == crdKind:
			o.phase = phaseCRDs
		}
		m, err := a.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		switch {
		case err == nil:
			o.gvr, o.namespaced = m.Resource, m.Scope.Name() == meta.RESTScopeNameNamespace
		case meta.IsNoMatchError(err):
			namespaced, ok := crds[gvk.GroupKind()]
			if !ok {
				bad = append(bad, Result{Ref: object.RefOf(o.obj), Action: Failed,
					Err: fmt.Errorf("the cluster does not know kind %s (install its CRD, or add it to the overlay)", gvk)})
				continue
			}
			o.pending, o.namespaced = true, namespaced
		default:
			return nil, fmt.Errorf("mapping %s to a resource: %w", gvk, err)
		}
		if o.namespaced && o.obj.GetNamespace() == "" {
			o.obj.SetNamespace(a.Set.Namespace)
		}
		if !o.namespaced {
			o.obj.SetNamespace("")
		}
		o.ref = object.RefOf(o.obj)
		if o.ref.Name == "" {
			bad = append(bad, Result{Ref: o.ref, Action: Failed, Err: fmt.Errorf("object has no metadata.name")})
			continue
		}
		if seen[o.ref.Key()] {
			bad = append(bad, Result{Ref: o.ref, Action: Failed, Err: fmt.Errorf("rendered twice")})
			continue
		}
		seen[o.ref.Key()] = true
		a.Set.Label(o.obj)
		p.objs = append(p.objs, o)
	}
	if len(bad) > 0 {
		return nil, &ObjectsError{Failed: bad}
	}
	return p, nil
}

// remap maps the custom resources whose CRDs were just established.
func (a *Applier) remap(p *prepared) error {
	a.Mapper.Reset()
	for i := range p.objs {
		o := &p.objs[i]
		if !o.pending {
			continue
		}
		gvk := o.obj.GroupVersionKind()
		m, err := a.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return fmt.Errorf("mapping %s after installing its CRD: %w", gvk, err)
		}
		o.gvr, o.pending = m.Resource, false
	}
	return nil
}
