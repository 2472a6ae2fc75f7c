package apply

import (
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/x-platform/x-platform/internal/deploy/applyset"
	"github.com/x-platform/x-platform/internal/deploy/object"
)

// resettable is a fixed mapper; Reset is a no-op.
type resettable struct{ meta.RESTMapper }

func (resettable) Reset() {}

func testMapper() meta.ResettableRESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, meta.RESTScopeNamespace)
	m.Add(schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, meta.RESTScopeRoot)
	m.Add(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, meta.RESTScopeNamespace)
	m.Add(schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}, meta.RESTScopeRoot)
	return resettable{m}
}

func u(apiVersion, kind, ns, name string) *unstructured.Unstructured {
	o := &unstructured.Unstructured{}
	o.SetAPIVersion(apiVersion)
	o.SetKind(kind)
	o.SetNamespace(ns)
	o.SetName(name)
	return o
}

func TestPrepare(t *testing.T) {
	t.Parallel()
	crd := u("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", "widgets.example.com")
	_ = unstructured.SetNestedField(crd.Object, "example.com", "spec", "group")
	_ = unstructured.SetNestedField(crd.Object, "Widget", "spec", "names", "kind")
	_ = unstructured.SetNestedField(crd.Object, "Namespaced", "spec", "scope")
	a := &Applier{Mapper: testMapper(), Set: applyset.ForEnv("staging", "ns")}
	in := []*unstructured.Unstructured{
		u("apps/v1", "Deployment", "", "web"),
		u("v1", "ConfigMap", "elsewhere", "c"),
		u("v1", "Namespace", "ns", "ns"), // kustomize may set a namespace on anything
		crd,
		u("example.com/v1", "Widget", "", "w"),
	}
	p, err := a.prepare(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		ref     string
		phase   phase
		pending bool
	}{
		{"Deployment.apps/ns/web", phaseRest, false},
		{"ConfigMap/elsewhere/c", phaseRest, false},
		{"Namespace/ns", phaseNamespaces, false},
		{"CustomResourceDefinition.apiextensions.k8s.io/widgets.example.com", phaseCRDs, false},
		{"Widget.example.com/ns/w", phaseRest, true},
	}
	for i, w := range want {
		o := p.objs[i]
		if o.ref.String() != w.ref || o.phase != w.phase || o.pending != w.pending {
			t.Errorf("object %d: %s phase %d pending %v, want %s %d %v", i, o.ref, o.phase, o.pending, w.ref, w.phase, w.pending)
		}
		if o.obj.GetLabels()[applyset.PartOfLabel] != a.Set.ID() {
			t.Errorf("%s is not labelled as a member", o.ref)
		}
	}
	if in[0].GetNamespace() != "" || in[0].GetLabels() != nil {
		t.Error("prepare changed its input")
	}
	inv := p.inventory("ns")
	if len(inv.GroupKinds) != 5 || strings.Join(inv.Namespaces, ",") != "elsewhere" {
		t.Errorf("inventory %+v", inv)
	}
}

func TestPrepareRejects(t *testing.T) {
	t.Parallel()
	a := &Applier{Mapper: testMapper(), Set: applyset.ForEnv("staging", "ns")}
	_, err := a.prepare([]*unstructured.Unstructured{
		u("example.com/v1", "Widget", "", "w"),
		u("v1", "ConfigMap", "", ""),
		u("v1", "ConfigMap", "", "twice"),
		u("v1", "ConfigMap", "ns", "twice"),
	})
	var oe *ObjectsError
	if !errors.As(err, &oe) || len(oe.Failed) != 3 {
		t.Fatalf("error %v, want three failed objects", err)
	}
	for _, want := range []string{"does not know kind example.com/v1, Kind=Widget", "no metadata.name", "rendered twice"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestExplainConflict(t *testing.T) {
	t.Parallel()
	status := &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: 409, Reason: metav1.StatusReasonConflict,
		Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{
			{Type: metav1.CauseTypeFieldManagerConflict, Field: ".spec.replicas", Message: `conflict with "hpa"`},
			{Type: metav1.CauseTypeFieldManagerConflict, Field: ".data.k", Message: `conflict with "kubectl-edit"`},
		}},
	}}
	err := explain(status)
	var ce *ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, status) {
		t.Fatalf("explain = %v", err)
	}
	if want := `.data.k (conflict with "kubectl-edit"); .spec.replicas (conflict with "hpa") (rerun with --force-conflicts to take these fields over)`; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	other := errors.New("boom")
	if explain(other) != other {
		t.Error("explain changed an error that is no conflict")
	}
}

func TestPruneOrderAndNormalize(t *testing.T) {
	t.Parallel()
	ns := member{ref: object.Ref{Kind: "Namespace", Name: "a"}}
	crd := member{ref: object.Ref{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition", Name: "b"}}
	cluster := member{ref: object.Ref{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "c"}}
	cm := member{ref: object.Ref{Kind: "ConfigMap", Namespace: "a", Name: "d"}, namespaced: true}
	if !(pruneOrder(cm) < pruneOrder(cluster) && pruneOrder(cluster) < pruneOrder(crd) && pruneOrder(crd) < pruneOrder(ns)) {
		t.Error("prune order does not delete contents before their namespace and kinds before their CRD")
	}
	live := u("v1", "ConfigMap", "a", "d")
	live.SetResourceVersion("7")
	live.SetUID("x")
	live.SetGeneration(2)
	live.SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: "x-platform"}})
	_ = unstructured.SetNestedField(live.Object, "v", "status", "phase")
	n := normalize(live)
	if n.GetResourceVersion() != "" || n.GetUID() != "" || n.GetGeneration() != 0 || n.GetManagedFields() != nil || n.Object["status"] != nil {
		t.Errorf("normalize left server fields: %v", n.Object)
	}
	if live.GetResourceVersion() != "7" {
		t.Error("normalize changed its input")
	}
}
