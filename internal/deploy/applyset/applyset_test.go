package applyset

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestID(t *testing.T) {
	t.Parallel()
	// Expected values computed outside Go:
	//   printf '%s' 'name.namespace.Kind.group' | sha256sum | cut -d' ' -f1 | xxd -r -p | basenc --base64url | tr -d =
	tests := []struct {
		name, namespace, kind, group string
		want                         string
	}{
		{"my-set", "default", "Secret", "", "applyset-kdySOVBWs584aaOTmku9Ul1xDuN7LXBjs-R96jQcisk-v1"},
		{"parent", "", "Namespace", "", "applyset-quJPHNY8tltKDgYhpSTSHr0Pj2CxppxRZe_oSWdnyVQ-v1"},
		{"x", "y", "Thing", "example.com", "applyset-dWr_3E76mf7VaRm-qwM5eyJYBCLPX-4V-_cNXhLixFQ-v1"},
	}
	for _, tt := range tests {
		got := ID(tt.name, tt.namespace, tt.kind, tt.group)
		if got != tt.want {
			t.Errorf("ID(%q, %q, %q, %q) = %q, want %q", tt.name, tt.namespace, tt.kind, tt.group, got, tt.want)
		}
		if len(got) > 63 {
			t.Errorf("ID %q is longer than a label value may be", got)
		}
	}
	if got, want := ForEnv("staging", "x-staging").ID(), "applyset-9ZYYmtQL1hzc_IJ8YZIhxoA6Qpli7TW0Erh6YxDIewI-v1"; got != want {
		t.Errorf("ForEnv(staging).ID() = %q, want %q", got, want)
	}
}

func obj(apiVersion, kind, ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

func TestInventoryRoundTrip(t *testing.T) {
	t.Parallel()
	p := ForEnv("staging", "x-staging")
	objs := []*unstructured.Unstructured{
		obj("apps/v1", "Deployment", "x-staging", "a"),
		obj("v1", "Service", "x-staging", "a"),
		obj("apps/v1", "Deployment", "x-staging", "b"),
		obj("v1", "Namespace", "", "x-staging"),
		obj("v1", "ConfigMap", "shared", "c"),
		obj("example.com/v1", "Widget", "other", "w"),
	}
	inv := Of(objs, p.Namespace)
	want := Inventory{
		GroupKinds: []schema.GroupKind{
			{Kind: "ConfigMap"}, {Group: "apps", Kind: "Deployment"}, {Kind: "Namespace"},
			{Kind: "Service"}, {Group: "example.com", Kind: "Widget"},
		},
		Namespaces: []string{"other", "shared"},
	}
	if !reflect.DeepEqual(inv, want) {
		t.Fatalf("Of = %+v, want %+v", inv, want)
	}
	parent := p.Object(inv)
	if got := parent.GetAnnotations()[GroupKindsAnnotation]; got != "ConfigMap,Deployment.apps,Namespace,Service,Widget.example.com" {
		t.Errorf("group kinds annotation %q", got)
	}
	if got := parent.GetLabels()[IDLabel]; got != p.ID() {
		t.Errorf("id label %q, want %q", got, p.ID())
	}
	back, err := p.Read(parent)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, want) {
		t.Errorf("Read = %+v, want %+v", back, want)
	}
}

func TestUnion(t *testing.T) {
	t.Parallel()
	a := Inventory{GroupKinds: []schema.GroupKind{{Group: "apps", Kind: "Deployment"}}, Namespaces: []string{"b"}}
	b := Inventory{GroupKinds: []schema.GroupKind{{Kind: "Service"}, {Group: "apps", Kind: "Deployment"}}, Namespaces: []string{"a", "b"}}
	got := a.Union(b)
	want := Inventory{GroupKinds: []schema.GroupKind{{Group: "apps", Kind: "Deployment"}, {Kind: "Service"}}, Namespaces: []string{"a", "b"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Union = %+v, want %+v", got, want)
	}
}

func TestReadRefusesForeignParents(t *testing.T) {
	t.Parallel()
	p := ForEnv("staging", "x-staging")
	tests := []struct {
		name   string
		modify func(*unstructured.Unstructured)
		want   string
	}{
		{"kubectl's set", func(u *unstructured.Unstructured) {
			u.SetAnnotations(map[string]string{ToolingAnnotation: "kubectl/v1.37"})
		}, "kubectl/v1.37"},
		{"wrong id", func(u *unstructured.Unstructured) {
			u.SetLabels(map[string]string{IDLabel: "applyset-other-v1"})
		}, "applyset-other-v1"},
	}
	for _, tt := range tests {
		u := p.Object(Inventory{})
		tt.modify(u)
		if _, err := p.Read(u); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Read error %v, want one naming %q", tt.name, err, tt.want)
		}
	}
}

func TestLabel(t *testing.T) {
	t.Parallel()
	p := ForEnv("staging", "x-staging")
	o := obj("v1", "Service", "x-staging", "a")
	o.SetLabels(map[string]string{"app": "a"})
	p.Label(o)
	if got := o.GetLabels(); got["app"] != "a" || got[PartOfLabel] != p.ID() {
		t.Errorf("labels %v", got)
	}
	if p.Selector() != PartOfLabel+"="+p.ID() {
		t.Errorf("selector %q", p.Selector())
	}
}
