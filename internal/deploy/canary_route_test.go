package deploy

import (
	"encoding/json"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/x-platform/x-platform/internal/deploy/release"
)

func routeObj(name string, services ...string) *unstructured.Unstructured {
	var refs []any
	for _, s := range services {
		refs = append(refs, map[string]any{"name": s, "port": int64(80)})
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
		"metadata": map[string]any{"name": name},
		"spec":     map[string]any{"rules": []any{map[string]any{"backendRefs": refs}}},
	}}
}

func serviceObj(name string, selector map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": name},
		"spec": map[string]any{"selector": selector, "ports": []any{map[string]any{"port": int64(80)}}, "clusterIP": "10.0.0.1"},
	}}
}

func TestPlanRoutes(t *testing.T) {
	t.Parallel()
	web := canaryDep("web", 4, "reg/web@sha256:new")
	api := canaryDep("api", 2, "reg/api@sha256:new")
	objs := []*unstructured.Unstructured{
		web, api,
		serviceObj("web", map[string]any{"app": "web"}),
		serviceObj("api", map[string]any{"app": "api"}),
		routeObj("front", "web"),
	}
	targets := []canaryTarget{{Want: web, Total: 4}, {Want: api, Total: 2}}
	if problems := planRoutes(objs, targets, "prod"); len(problems) != 0 {
		t.Fatalf("problems: %+v", problems)
	}
	if targets[0].Service == nil || targets[0].Service.GetName() != "web" || strings.Join(targets[0].Routes, ",") != "front" {
		t.Errorf("web: %+v, want a split by route front", targets[0])
	}
	if targets[1].Service != nil {
		t.Errorf("api, which no route reaches: %+v, want a split by replicas", targets[1])
	}

	objs = append(objs, routeObj("stray", "web", "nowhere"))
	problems := planRoutes(objs, targets, "prod")
	if len(problems) != 1 || problems[0].Ref.Short() != "httproute/stray" || !strings.Contains(problems[0].Msg, "Service nowhere, which the overlay does not have") {
		t.Errorf("problems = %+v, want the route naming an unknown Service", problems)
	}
}

func TestRoutedCanary(t *testing.T) {
	t.Parallel()
	want := canaryDep("web", 4, "reg/web@sha256:new")
	svc := serviceObj("web", map[string]any{"app": "web"})
	c := routedCanary(want, svc, "prod", 1)
	sel, _, _ := unstructured.NestedStringMap(c.Object, "spec", "selector", "matchLabels")
	pods, _, _ := unstructured.NestedStringMap(c.Object, "spec", "template", "metadata", "labels")
	if sel["app"] != "web-canary" || pods["app"] != "web-canary" || pods[CanaryLabel] != "true" {
		t.Errorf("selector %v, pods %v: the stable Service must not select the canary", sel, pods)
	}
	if selects(map[string]string{"app": "web"}, pods) {
		t.Error("the stable Service selects the canary's pods")
	}
	cs := canaryService(svc, "prod")
	csel, _, _ := unstructured.NestedStringMap(cs.Object, "spec", "selector")
	if cs.GetName() != "web-canary" || !selects(csel, pods) || selects(csel, map[string]string{"app": "web"}) {
		t.Errorf("canary service %v: want it to select the canary's pods only", cs.Object)
	}
	if _, ok, _ := unstructured.NestedString(cs.Object, "spec", "clusterIP"); ok {
		t.Error("the canary service copies the stable one's clusterIP")
	}
}

func TestRouteAt(t *testing.T) {
	t.Parallel()
	r := routeObj("front", "web", "other")
	for _, tt := range []struct {
		percent int
		want    string
	}{
		{0, `[{"name":"web","port":80},{"name":"other","port":80}]`},
		{10, `[{"name":"web","port":80,"weight":90},{"name":"other","port":80},{"name":"web-canary","port":80,"weight":10}]`},
		{50, `[{"name":"web","port":80,"weight":50},{"name":"other","port":80},{"name":"web-canary","port":80,"weight":50}]`},
	} {
		got := routeAt(r, "web", tt.percent)
		refs, _, _ := unstructured.NestedSlice(got.Object, "spec", "rules")
		b, _ := json.Marshal(refs[0].(map[string]any)["backendRefs"])
		if string(b) != tt.want {
			t.Errorf("at %d%%: %s\nwant %s", tt.percent, b, tt.want)
		}
	}
	// The route given is left as it was: the release applies it at the end.
	b, _ := json.Marshal(r.Object["spec"])
	if strings.Contains(string(b), "canary") || strings.Contains(string(b), "weight") {
		t.Errorf("routeAt changed its argument: %s", b)
	}
}

func TestGateTests(t *testing.T) {
	t.Parallel()
	job := &batchv1.Job{}
	job.Spec.Template.Spec.Containers = []corev1.Container{{Name: "check", Env: []corev1.EnvVar{{Name: "A", Value: "1"}}}}
	tests := []PostTest{{Name: "smoke", Jobs: []*batchv1.Job{job}}}
	c := &release.CanaryRecord{Workloads: []release.CanaryWorkload{{Name: "web", Service: "web"}, {Name: "api"}}}
	got := gateTests(tests, c, 10)
	var env []string
	for _, e := range got[0].Jobs[0].Spec.Template.Spec.Containers[0].Env {
		env = append(env, e.Name+"="+e.Value)
	}
	if s := strings.Join(env, " "); s != "A=1 XP_CANARY_PERCENT=10 XP_CANARY_SERVICES=web-canary" {
		t.Errorf("env = %s", s)
	}
	if n := len(job.Spec.Template.Spec.Containers[0].Env); n != 1 {
		t.Errorf("the test's own Job changed: %d variables", n)
	}
}
