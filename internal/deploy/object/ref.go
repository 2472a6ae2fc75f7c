package object

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Ref identifies one object. Version is kept for mapping the kind to a
// resource; two refs that differ only in Version name the same object.
type Ref struct {
	Group     string `json:"group,omitempty"`
	Version   string `json:"version"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// RefOf returns the ref of u.
func RefOf(u *unstructured.Unstructured) Ref {
	gvk := u.GroupVersionKind()
	return Ref{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Namespace: u.GetNamespace(), Name: u.GetName()}
}

// GroupKind is the ref's group and kind.
func (r Ref) GroupKind() schema.GroupKind { return schema.GroupKind{Group: r.Group, Kind: r.Kind} }

// GroupVersionKind is the ref's group, version and kind.
func (r Ref) GroupVersionKind() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind}
}

// APIVersion is the ref's apiVersion as manifests write it.
func (r Ref) APIVersion() string { return r.GroupVersionKind().GroupVersion().String() }

// Key names the object independently of the API version it was read with.
type Key struct {
	Group, Kind, Namespace, Name string
}

// Key is the version-independent identity of r.
func (r Ref) Key() Key {
	return Key{Group: r.Group, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}
}

// String is kind/name or kind/namespace/name, with the group when there is
// one: Deployment.apps/x-staging/zbackend, Namespace/x-staging.
func (r Ref) String() string {
	kind := r.Kind
	if r.Group != "" {
		kind += "." + r.Group
	}
	if r.Namespace == "" {
		return kind + "/" + r.Name
	}
	return kind + "/" + r.Namespace + "/" + r.Name
}

// Short is kind/name in lower case, as kubectl prints it: deployment/zbackend.
func (r Ref) Short() string { return strings.ToLower(r.Kind) + "/" + r.Name }

// ParseRef reads what String writes, with version v.
func ParseRef(s, version string) (Ref, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return Ref{}, fmt.Errorf("object %q is not kind/name or kind/namespace/name", s)
	}
	kind, group, _ := strings.Cut(parts[0], ".")
	r := Ref{Group: group, Version: version, Kind: kind, Name: parts[len(parts)-1]}
	if len(parts) == 3 {
		r.Namespace = parts[1]
	}
	return r, nil
}
