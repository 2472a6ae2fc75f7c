package deploy

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/manifest"
)

func TestCanaryReplicas(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		total, percent, canary, stable int
	}{
		{10, 10, 1, 9},
		{10, 50, 5, 5},
		{10, 15, 2, 8}, // rounded up
		{4, 10, 1, 3},
		{2, 10, 1, 1}, // both versions run, whatever the share
		{2, 99, 1, 1}, // never all of them
		{3, 90, 2, 1}, // ceil(2.7) = 3 would leave no stable
		{100, 1, 1, 99},
	} {
		c, s := canaryReplicas(tt.total, tt.percent)
		if c != tt.canary || s != tt.stable {
			t.Errorf("canaryReplicas(%d, %d) = %d, %d; want %d, %d", tt.total, tt.percent, c, s, tt.canary, tt.stable)
		}
	}
}

func TestRouteWeights(t *testing.T) {
	t.Parallel()
	for _, p := range []int{1, 10, 50, 99} {
		s, c := routeWeights(p)
		if s+c != 100 || c != p {
			t.Errorf("routeWeights(%d) = %d, %d", p, s, c)
		}
	}
}

func TestCanaryNext(t *testing.T) {
	t.Parallel()
	c := &release.CanaryRecord{Steps: []int{10, 50}}
	var seen []string
	for range 4 {
		p, final := c.Next()
		seen = append(seen, fmt.Sprintf("%d/%v", p, final))
		if final {
			break
		}
		c.Step = p
	}
	if got := strings.Join(seen, " "); got != "10/false 50/false 100/true" {
		t.Errorf("steps = %s", got)
	}
	if got := describeStep(&release.CanaryRecord{Steps: []int{10, 50}, Step: 50}); got != "canary at 50% (step 2 of 2)" {
		t.Errorf("describeStep = %q", got)
	}
}

func canaryDep(name string, replicas int, image string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": name, "labels": map[string]any{"app": name}},
		"spec": map[string]any{
			"selector": map[string]any{"matchLabels": map[string]any{"app": name}},
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app": name}},
				"spec":     map[string]any{"containers": []any{map[string]any{"name": "main", "image": image}}},
			},
		},
	}}
	if replicas > 0 {
		u.Object["spec"].(map[string]any)["replicas"] = int64(replicas)
	}
	return u
}

func TestPlanCanary(t *testing.T) {
	t.Parallel()
	prev := []*unstructured.Unstructured{
		canaryDep("web", 4, "reg/web@sha256:old"),
		canaryDep("api", 3, "reg/api@sha256:same"),
		canaryDep("worker", 1, "reg/worker@sha256:old"),
	}
	prev[0].Object["spec"].(map[string]any)["replicas"] = float64(4) // as read back from YAML, say
	objs := []*unstructured.Unstructured{
		canaryDep("web", 5, "reg/web@sha256:new"),
		canaryDep("api", 3, "reg/api@sha256:same"),  // unchanged: no canary
		canaryDep("fresh", 1, "reg/fresh@sha256:1"), // new: rolls out with the release
	}
	targets, problems := planCanary(objs, prev)
	if len(problems) != 0 {
		t.Fatalf("problems: %+v", problems)
	}
	if len(targets) != 1 || targets[0].Want.GetName() != "web" || targets[0].Total != 5 || targets[0].Replicas != 4 {
		t.Fatalf("targets = %+v", targets)
	}

	hpa := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": map[string]any{"name": "web-hpa"},
		"spec": map[string]any{"scaleTargetRef": map[string]any{"kind": "Deployment", "name": "web"}},
	}}
	noLabels := canaryDep("api", 3, "reg/api@sha256:new")
	delete(noLabels.Object["spec"].(map[string]any)["selector"].(map[string]any), "matchLabels")
	bad := []*unstructured.Unstructured{
		canaryDep("web", 5, "reg/web@sha256:new"), hpa,
		noLabels,
		canaryDep("worker", 1, "reg/worker@sha256:new"),
	}
	_, problems = planCanary(bad, prev)
	var msgs []string
	for _, p := range problems {
		msgs = append(msgs, p.Ref.Short()+": "+p.Msg)
	}
	got := strings.Join(msgs, "\n")
	for _, want := range []string{
		"deployment/web: HorizontalPodAutoscaler web-hpa scales it",
		"deployment/api: its selector has no matchLabels",
		"deployment/worker: it has 1 replica(s): a canary by replicas needs at least 2",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems\n%s\nwant %q", got, want)
		}
	}
	err := error(&ConfigError{&CanaryError{Problems: []CanaryProblem{{Ref: problems[0].Ref, File: "k8s/base/web.yaml", Msg: "x"}}}})
	var ce *CanaryError
	if !errors.As(err, &ce) || !IsConfigError(err) || !strings.Contains(err.Error(), "k8s/base/web.yaml: deployment/web: x") {
		t.Errorf("error %q: want a config error naming the file and object", err)
	}
}

func TestCanaryDeployment(t *testing.T) {
	t.Parallel()
	want := canaryDep("web", 4, "reg/web@sha256:new")
	c := canaryDeployment(want, "prod", 1)
	if c.GetName() != "web-canary" || c.GetNamespace() != "prod" || c.GetLabels()[CanaryLabel] != "true" {
		t.Errorf("metadata = %v", c.Object["metadata"])
	}
	sel, _, _ := unstructured.NestedStringMap(c.Object, "spec", "selector", "matchLabels")
	pods, _, _ := unstructured.NestedStringMap(c.Object, "spec", "template", "metadata", "labels")
	if sel["app"] != "web" || sel[CanaryLabel] != "true" || pods["app"] != "web" || pods[CanaryLabel] != "true" {
		t.Errorf("selector %v, pod labels %v: want the stable's with %s", sel, pods, CanaryLabel)
	}
	if n, _, _ := unstructured.NestedInt64(c.Object, "spec", "replicas"); n != 1 {
		t.Errorf("replicas = %d", n)
	}
	// The release's own object is untouched: it is applied in full later.
	if _, ok := want.GetLabels()[CanaryLabel]; ok || replicasOf(want) != 4 {
		t.Errorf("the release's deployment changed: %v", want.Object)
	}
}

func TestPendingCanary(t *testing.T) {
	t.Parallel()
	all := []*release.Record{
		{Revision: 1, Status: release.Superseded},
		{Revision: 2, Status: release.Deployed},
		{Revision: 3, Status: release.Canary, Canary: &release.CanaryRecord{Step: 10}},
	}
	if p := pendingCanary(all); p == nil || p.Revision != 3 {
		t.Errorf("pendingCanary = %+v", p)
	}
	if p := pendingCanary(all[:2]); p != nil {
		t.Errorf("pendingCanary = %+v, want none", p)
	}
	msg := (&CanaryPendingError{Env: "prod", Revision: 3, Step: 10}).Error()
	if !strings.Contains(msg, "x-platform canary promote --env prod") || !strings.Contains(msg, "canary abort --env prod") {
		t.Errorf("message %q names no way out", msg)
	}
}

// TestEnvironmentCanaryCannotSplit: a canary over a Deployment of one
// replica is a configuration error naming the overlay file and the
// object, found before anything is written to the cluster.
func TestEnvironmentCanaryCannotSplit(t *testing.T) {
	t.Parallel()
	m := newPlatform(t, testRegistry, "x-staging", "a")
	m.Environments[0].Canary = &manifest.Canary{Steps: []int{50}}
	writeFile(t, m.Root, "k8s/base/a/deployment.yaml", `apiVersion: apps/v1
kind: Deployment
metadata: {name: a}
spec:
  replicas: 1
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      containers:
      - {name: a, image: a}
`)
	fc := newFakeCluster("default")
	if _, err := fc.cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "x-staging"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	old := service("a", oldA)
	prev, err := render.Render(filepath.Join(m.Root, KustomizeDir), "staging", []render.Image{(Version{Service: old, ImageName: "a"}).Pin()})
	if err != nil {
		t.Fatal(err)
	}
	fc.record(t, "x-staging", &release.Record{Revision: 1, Status: release.Deployed, Services: []release.Service{old}, Manifest: prev.YAML})
	fc.reset()
	e, _ := openTest(t, m, "staging", fc)

	out, err := e.Deploy(t.Context(), m.Services)
	var ce *CanaryError
	if out != nil || !errors.As(err, &ce) || !IsConfigError(err) {
		t.Fatalf("Deploy = %+v, %v; want a CanaryError", out, err)
	}
	if want := filepath.Join("k8s", "base", "a", "deployment.yaml") + ": deployment/a: it has 1 replica(s)"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %q", err, want)
	}
	for _, w := range fc.writes() {
		if !strings.HasSuffix(w, " leases") {
			t.Errorf("the cluster was changed: %s", w)
		}
	}
}

func TestSOPSSecretInARecord(t *testing.T) {
	plain := "apiVersion: v1\nkind: Secret\nmetadata: {name: plain}\ndata: {a: Yg==}\n"
	masked := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations: {" + render.SOPSAnnotation + ": masked}\ndata: {password: '***'}\n"
	if name, err := sopsSecretIn([]byte(plain)); err != nil || name != "" {
		t.Errorf("a plain Secret: %q, %v", name, err)
	}
	if name, err := sopsSecretIn([]byte(plain + "---\n" + masked)); err != nil || name != "db" {
		t.Errorf("a Secret from a SOPS file: %q, %v", name, err)
	}
}
