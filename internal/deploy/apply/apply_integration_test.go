package apply

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/x-platform/x-platform/internal/deploy/applyset"
	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/testenv"
)

func configMap(name string, data map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name},
		"data":     data,
	}}
}

func newApplier(t *testing.T, env *testenv.ClusterEnv, ns, set string) *Applier {
	t.Helper()
	c, err := kube.New(env.RESTConfig(), ns)
	if err != nil {
		t.Fatal(err)
	}
	return &Applier{Dynamic: c.Dynamic, Mapper: c.Mapper, Set: applyset.ForEnv(set, ns)}
}

func actions(results []Result) map[string]Action {
	out := map[string]Action{}
	for _, r := range results {
		out[r.Ref.Short()] = r.Action
	}
	return out
}

func TestIntegrationApplyAndPrune(t *testing.T) {
	env := testenv.Cluster(t)
	ns := env.Namespace(t)
	cs := env.Clientset(t)
	a := newApplier(t, env, ns, "test")

	// An object outside the set, and one in another set, must survive every prune.
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(t.Context(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "outsider"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	other := newApplier(t, env, ns, "other")
	if _, err := other.Apply(t.Context(), []*unstructured.Unstructured{configMap("neighbour", nil)}); err != nil {
		t.Fatalf("applying the other set: %v", err)
	}

	first := []*unstructured.Unstructured{configMap("a", map[string]any{"k": "1"}), configMap("b", map[string]any{"k": "1"})}
	res, err := a.Apply(t.Context(), first)
	if err != nil {
		t.Fatalf("first apply: %v", err)
	}
	if got := actions(res); got["configmap/a"] != Created || got["configmap/b"] != Created || len(got) != 2 {
		t.Fatalf("first apply: %v", got)
	}
	parent, err := cs.CoreV1().Secrets(ns).Get(t.Context(), a.Set.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading the parent: %v", err)
	}
	if parent.Labels[applyset.IDLabel] != a.Set.ID() || parent.Annotations[applyset.GroupKindsAnnotation] != "ConfigMap" {
		t.Errorf("parent labels %v annotations %v", parent.Labels, parent.Annotations)
	}
	rv := resourceVersions(t, cs, ns)

	res, err = a.Apply(t.Context(), first)
	if err != nil {
		t.Fatalf("second apply: %v", err)
	}
	if got := actions(res); got["configmap/a"] != Unchanged || got["configmap/b"] != Unchanged {
		t.Fatalf("unchanged apply: %v", got)
	}
	if after := resourceVersions(t, cs, ns); !equalMaps(rv, after) {
		t.Errorf("an unchanged apply wrote objects: before %v after %v", rv, after)
	}

	plan, err := a.Plan(t.Context(), []*unstructured.Unstructured{configMap("a", map[string]any{"k": "2"}), configMap("c", nil)}, true)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	got := map[string]Action{}
	for _, c := range plan {
		got[c.Ref.Short()] = c.Action
	}
	want := map[string]Action{"configmap/a": Configured, "configmap/b": Pruned, "configmap/c": Created}
	if !equalMaps(got, want) {
		t.Errorf("plan = %v, want %v", got, want)
	}
	if after := resourceVersions(t, cs, ns); !equalMaps(rv, after) {
		t.Errorf("plan wrote objects: before %v after %v", rv, after)
	}

	res, err = a.Apply(t.Context(), []*unstructured.Unstructured{configMap("a", map[string]any{"k": "2"}), configMap("c", nil)})
	if err != nil {
		t.Fatalf("third apply: %v", err)
	}
	want = map[string]Action{"configmap/a": Configured, "configmap/b": Pruned, "configmap/c": Created}
	if got := actions(res); !equalMaps(got, want) {
		t.Errorf("third apply = %v, want %v", got, want)
	}
	for name, wantThere := range map[string]bool{"a": true, "b": false, "c": true, "outsider": true, "neighbour": true} {
		_, err := cs.CoreV1().ConfigMaps(ns).Get(t.Context(), name, metav1.GetOptions{})
		if there := err == nil; there != wantThere {
			t.Errorf("configmap %s present = %v, want %v (%v)", name, there, wantThere, err)
		}
	}
}

func TestIntegrationApplyConflict(t *testing.T) {
	env := testenv.Cluster(t)
	ns := env.Namespace(t)
	cs := env.Clientset(t)
	a := newApplier(t, env, ns, "test")
	if _, err := a.Apply(t.Context(), []*unstructured.Unstructured{configMap("a", map[string]any{"k": "1"})}); err != nil {
		t.Fatal(err)
	}
	// Someone else takes the field over with their own apply.
	force := true
	_, err := cs.CoreV1().ConfigMaps(ns).Patch(t.Context(), "a", types.ApplyPatchType,
		[]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"edited"}}`),
		metav1.PatchOptions{FieldManager: "kubectl-edit", Force: &force})
	if err != nil {
		t.Fatal(err)
	}
	objs := []*unstructured.Unstructured{configMap("a", map[string]any{"k": "2"}), configMap("b", nil)}
	_, err = a.Plan(t.Context(), objs, false)
	var oe *ObjectsError
	var ce *ConflictError
	if !errors.As(err, &oe) || len(oe.Failed) != 1 || !errors.As(oe.Failed[0].Err, &ce) {
		t.Fatalf("plan error %v, want one conflict", err)
	}
	if msg := oe.Error(); !strings.Contains(msg, "kubectl-edit") || !strings.Contains(msg, ".data.k") || !strings.Contains(msg, "--force-conflicts") {
		t.Errorf("conflict message %q does not name the manager, the field and the way out", msg)
	}
	if _, err := cs.CoreV1().ConfigMaps(ns).Get(t.Context(), "b", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("a failed plan created configmap b (%v)", err)
	}
	a.Force = true
	if _, err := a.Apply(t.Context(), objs); err != nil {
		t.Fatalf("forced apply: %v", err)
	}
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(t.Context(), "a", metav1.GetOptions{})
	if err != nil || cm.Data["k"] != "2" {
		t.Errorf("after a forced apply: %v %v", cm.Data, err)
	}
}

func TestIntegrationApplyUnknownKind(t *testing.T) {
	env := testenv.Cluster(t)
	ns := env.Namespace(t)
	a := newApplier(t, env, ns, "test")
	w := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.com/v1", "kind": "Widget", "metadata": map[string]any{"name": "w"},
	}}
	_, err := a.Apply(t.Context(), []*unstructured.Unstructured{configMap("a", nil), w})
	if err == nil || !strings.Contains(err.Error(), "does not know kind") {
		t.Fatalf("error %v, want an unknown kind", err)
	}
	if _, err := env.Clientset(t).CoreV1().ConfigMaps(ns).Get(t.Context(), "a", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("configmap a was applied although the set could not be (%v)", err)
	}
}

func resourceVersions(t *testing.T, cs kubernetes.Interface, ns string) map[string]string {
	t.Helper()
	list, err := cs.CoreV1().ConfigMaps(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, cm := range list.Items {
		out[cm.Name] = cm.ResourceVersion
	}
	return out
}

func equalMaps[V comparable](a, b map[string]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
