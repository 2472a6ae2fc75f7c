package applyset

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The labels and annotations kubectl reads and writes.
const (
	PartOfLabel                    = "applyset.kubernetes.io/part-of"
	IDLabel                        = "applyset.kubernetes.io/id"
	ToolingAnnotation              = "applyset.kubernetes.io/tooling"
	GroupKindsAnnotation           = "applyset.kubernetes.io/contains-group-kinds"
	AdditionalNamespacesAnnotation = "applyset.kubernetes.io/additional-namespaces"
)

// Tooling is the value of ToolingAnnotation on the sets this program owns;
// kubectl refuses to change sets that name other tooling, and so do we.
const Tooling = "x-platform/v1"

// Parent is the Secret that stands for a set: its labels and annotations say
// which objects belong to the set, so they can be found again for pruning.
type Parent struct {
	Name, Namespace string
}

// ForEnv is the parent of the set an environment's deploys maintain.
func ForEnv(env, namespace string) Parent {
	return Parent{Name: "x-platform.applyset." + env, Namespace: namespace}
}

// ID is the set's id, computed from the parent as kubectl does.
func (p Parent) ID() string { return ID(p.Name, p.Namespace, "Secret", "") }

// ID is kubectl's ApplySet id of the parent object with the given name,
// namespace, kind and group: base64url(sha256("<name>.<namespace>.<kind>.<group>"))
// between "applyset-" and "-v1".
func ID(name, namespace, kind, group string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{name, namespace, kind, group}, ".")))
	return fmt.Sprintf("applyset-%s-v1", base64.RawURLEncoding.EncodeToString(sum[:]))
}

// Inventory is what a parent records about its members: their kinds and the
// namespaces besides the parent's own that hold some of them.
type Inventory struct {
	GroupKinds []schema.GroupKind // sorted as kubectl writes them
	Namespaces []string           // sorted; never the parent's namespace
}

// Of lists the kinds and the namespaces of objs, as the parent in parentNS records them.
func Of(objs []*unstructured.Unstructured, parentNS string) Inventory {
	var inv Inventory
	for _, o := range objs {
		inv.GroupKinds = append(inv.GroupKinds, o.GroupVersionKind().GroupKind())
		if ns := o.GetNamespace(); ns != "" && ns != parentNS {
			inv.Namespaces = append(inv.Namespaces, ns)
		}
	}
	return inv.normal()
}

// Union is every kind and namespace of inv and other.
func (inv Inventory) Union(other Inventory) Inventory {
	return Inventory{
		GroupKinds: append(slices.Clone(inv.GroupKinds), other.GroupKinds...),
		Namespaces: append(slices.Clone(inv.Namespaces), other.Namespaces...),
	}.normal()
}

func (inv Inventory) normal() Inventory {
	slices.SortFunc(inv.GroupKinds, func(a, b schema.GroupKind) int { return strings.Compare(formatGK(a), formatGK(b)) })
	inv.GroupKinds = slices.Compact(inv.GroupKinds)
	slices.Sort(inv.Namespaces)
	inv.Namespaces = slices.Compact(inv.Namespaces)
	return inv
}

// formatGK writes a group-kind as kubectl does: Kind.group, or Kind for the core group.
func formatGK(gk schema.GroupKind) string {
	if gk.Group == "" {
		return gk.Kind
	}
	return gk.Kind + "." + gk.Group
}

// Object is the parent Secret recording inv, ready for server-side apply.
func (p Parent) Object(inv Inventory) *unstructured.Unstructured {
	gks := make([]string, len(inv.GroupKinds))
	for i, gk := range inv.GroupKinds {
		gks[i] = formatGK(gk)
	}
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("Secret")
	u.SetName(p.Name)
	u.SetNamespace(p.Namespace)
	u.SetLabels(map[string]string{IDLabel: p.ID()})
	u.SetAnnotations(map[string]string{
		ToolingAnnotation:              Tooling,
		GroupKindsAnnotation:           strings.Join(gks, ","),
		AdditionalNamespacesAnnotation: strings.Join(inv.Namespaces, ","),
	})
	return u
}

// Read returns the inventory a live parent records. It refuses parents that
// another tool maintains or whose id does not match their name.
func (p Parent) Read(live *unstructured.Unstructured) (Inventory, error) {
	if t := live.GetAnnotations()[ToolingAnnotation]; t != "" && t != Tooling {
		return Inventory{}, fmt.Errorf("secret %s/%s is an ApplySet parent of %q, not of %s; refusing to change it", p.Namespace, p.Name, t, Tooling)
	}
	if id := live.GetLabels()[IDLabel]; id != "" && id != p.ID() {
		return Inventory{}, fmt.Errorf("secret %s/%s has ApplySet id %q, want %q", p.Namespace, p.Name, id, p.ID())
	}
	var inv Inventory
	for _, s := range split(live.GetAnnotations()[GroupKindsAnnotation]) {
		inv.GroupKinds = append(inv.GroupKinds, schema.ParseGroupKind(s))
	}
	inv.Namespaces = split(live.GetAnnotations()[AdditionalNamespacesAnnotation])
	return inv.normal(), nil
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Label marks obj as a member of the set.
func (p Parent) Label(obj *unstructured.Unstructured) {
	l := obj.GetLabels()
	if l == nil {
		l = map[string]string{}
	}
	l[PartOfLabel] = p.ID()
	obj.SetLabels(l)
}

// Selector selects the members of the set.
func (p Parent) Selector() string { return PartOfLabel + "=" + p.ID() }
