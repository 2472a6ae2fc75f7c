package deploy

import (
	"sort"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/object"
)

// fixedMapper is a RESTMapper of a few kinds; Reset is a no-op.
type fixedMapper struct{ meta.RESTMapper }

func (fixedMapper) Reset() {}

func liveObject(apiVersion, kind, ns, name, image string) *unstructured.Unstructured {
	o := &unstructured.Unstructured{}
	o.SetAPIVersion(apiVersion)
	o.SetKind(kind)
	o.SetNamespace(ns)
	o.SetName(name)
	if image != "" {
		_ = unstructured.SetNestedSlice(o.Object, []any{map[string]any{"name": name, "image": image}}, "spec", "template", "spec", "containers")
	}
	return o
}

// TestListLiveListsOncePerKindAndNamespace: however many objects a release
// has, status sends one List per kind and namespace and no Get.
func TestListLiveListsOncePerKindAndNamespace(t *testing.T) {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, meta.RESTScopeNamespace)
	m.Add(schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, meta.RESTScopeRoot)
	m.Add(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, meta.RESTScopeNamespace)
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		{Group: "apps", Version: "v1", Resource: "deployments"}: "DeploymentList",
		{Version: "v1", Resource: "configmaps"}:                 "ConfigMapList",
		{Version: "v1", Resource: "namespaces"}:                 "NamespaceList",
	},
		liveObject("apps/v1", "Deployment", "one", "a", "reg/a@sha256:1"),
		liveObject("apps/v1", "Deployment", "one", "b", "reg/b:tag@sha256:2"),
		liveObject("apps/v1", "Deployment", "one", "not-ours", "reg/x@sha256:9"),
		liveObject("apps/v1", "Deployment", "two", "c", "reg/c@sha256:3"),
		liveObject("v1", "ConfigMap", "one", "settings", ""),
		liveObject("v1", "Namespace", "", "one", ""),
	)
	cl := &kube.Cluster{Dynamic: dyn, Mapper: fixedMapper{m}}
	refs := []object.Ref{
		{Group: "apps", Version: "v1", Kind: "Deployment", Name: "a"}, // in the records' namespace
		{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "one", Name: "b"},
		{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "one", Name: "gone"},
		{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "two", Name: "c"},
		{Version: "v1", Kind: "ConfigMap", Namespace: "one", Name: "settings"},
		{Version: "v1", Kind: "Namespace", Name: "one"},
		{Group: "example.com", Version: "v1", Kind: "Widget", Namespace: "one", Name: "w"}, // its CRD is gone
	}
	live, err := listLive(t.Context(), cl, "one", refs)
	if err != nil {
		t.Fatal(err)
	}
	var requests []string
	for _, a := range dyn.Actions() {
		requests = append(requests, a.GetVerb()+" "+a.GetResource().Resource+" "+a.GetNamespace())
	}
	sort.Strings(requests)
	want := []string{"list configmaps one", "list deployments one", "list deployments two", "list namespaces "}
	if len(requests) != len(want) {
		t.Fatalf("requests %q, want %q", requests, want)
	}
	for i := range want {
		if requests[i] != want[i] {
			t.Errorf("requests %q, want %q", requests, want)
			break
		}
	}
	if len(live) != 5 {
		t.Errorf("live objects: %d, want a, b, c, settings and namespace one (not gone, not-ours, w)", len(live))
	}
	running := runningImages(live)
	for repo, digest := range map[string]string{"reg/a": "sha256:1", "reg/b": "sha256:2", "reg/c": "sha256:3"} {
		if got := running[repo]; len(got) != 1 || got[0] != digest {
			t.Errorf("running %s: %v, want %s", repo, got, digest)
		}
	}
	if _, ok := running["reg/x"]; ok {
		t.Errorf("an object out of the release counts as running: %v", running)
	}
}
