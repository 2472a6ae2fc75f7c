package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/manifest"
)

// gatewayAPI is the module whose CRDs the test cluster serves; no gateway
// controller runs, the routes only need to be stored.
const gatewayAPI = "sigs.k8s.io/gateway-api@v1.6.3"

var (
	gatewayOnce sync.Once
	gatewayErr  error
)

var routesGVR = schema.GroupVersionResource{Group: gatewayGroup, Version: "v1", Resource: "httproutes"}

// installGatewayAPI makes the test cluster serve HTTPRoutes, from the
// standard CRDs of the module as the Go module cache has it.
func (l *live) installGatewayAPI() {
	l.t.Helper()
	gatewayOnce.Do(func() { gatewayErr = l.applyGatewayCRDs() })
	if gatewayErr != nil {
		l.t.Fatalf("installing the Gateway API CRDs: %v", gatewayErr)
	}
}

func (l *live) applyGatewayCRDs() error {
	cmd := exec.Command("go", "mod", "download", "-json", gatewayAPI)
	cmd.Dir = l.t.TempDir() // outside this module: its go.mod and go.sum stay as they are
	out, err := cmd.Output()
	if err != nil {
		return err
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(mod.Dir, "config", "crd", "standard", "gateway.networking.k8s.io_httproutes.yaml"))
	if err != nil {
		return err
	}
	objs, err := ParseObjects(b)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(l.cluster.RESTConfig())
	if err != nil {
		return err
	}
	crds := dyn.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"})
	for _, o := range objs {
		if _, err := crds.Apply(l.t.Context(), o.GetName(), o, metav1.ApplyOptions{FieldManager: "x-platform-test", Force: true}); err != nil {
			return err
		}
	}
	return wait.PollUntilContextTimeout(l.t.Context(), 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := dyn.Resource(routesGVR).Namespace("default").List(ctx, metav1.ListOptions{})
		return err == nil, nil
	})
}

// weights are the backends of route front's first rule, as name=weight
// (the weight left out when the route gives none).
func (l *live) weights() string {
	l.t.Helper()
	dyn, err := dynamic.NewForConfig(l.cluster.RESTConfig())
	if err != nil {
		l.t.Fatal(err)
	}
	r, err := dyn.Resource(routesGVR).Namespace(l.ns).Get(l.t.Context(), "front", metav1.GetOptions{})
	if err != nil {
		l.t.Fatal(err)
	}
	var out []string
	backendRefs(r, func(ref map[string]any) {
		s := ref["name"].(string)
		if w, ok := ref["weight"]; ok {
			s += "=" + fmt.Sprint(w)
		}
		out = append(out, s)
	})
	return strings.Join(out, " ")
}

// TestIntegrationCanaryByRoute: an HTTPRoute sending to the Service in
// front of the changed Deployment shares the traffic by weights at each
// step, to a canary Service that selects the canary's pods only; at the
// end the route is as the overlay has it and the canary objects are gone.
func TestIntegrationCanaryByRoute(t *testing.T) {
	l := newLive(t, "a")
	l.installGatewayAPI()
	writeFile(t, l.m.Root, "k8s/overlays/staging/kustomization.yaml", "resources: [../../base/a, route.yaml]\n")
	writeFile(t, l.m.Root, "k8s/overlays/staging/route.yaml", `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: front}
spec:
  rules:
  - backendRefs:
    - {name: a, port: 80}
`)
	oldImg, newImg := l.withCanary(manifest.Canary{Steps: []int{20, 60}, Manual: true}, 2)
	if w := l.weights(); w != "a=1" && w != "a" {
		t.Fatalf("route after the first deploy: %s", w)
	}

	e, _ := l.open()
	out, err := e.Deploy(t.Context(), l.m.Services)
	if err != nil || out.Canary == nil || out.Canary.Split != release.SplitRoute || out.Canary.Step != 20 {
		t.Fatalf("deploy with a routed canary: %+v %v", out, err)
	}
	if w := l.weights(); w != "a=80 a-canary=20" {
		t.Errorf("weights at 20%%: %s", w)
	}
	if got, want := l.split(), (split{oldImg, newImg, 2, 1}); got != want {
		t.Errorf("at 20%%: %+v, want %+v (the stable keeps its replicas)", got, want)
	}
	svc, err := l.cluster.Clientset(t).CoreV1().Services(l.ns).Get(t.Context(), "a"+canarySuffix, metav1.GetOptions{})
	if err != nil || svc.Spec.Selector["app"] != "a-canary" {
		t.Errorf("canary service: %+v %v", svc, err)
	}

	e, _ = l.open()
	if out, err := e.CanaryPromote(t.Context()); err != nil || out.Canary.Step != 60 {
		t.Fatalf("promote to 60%%: %+v %v", out, err)
	}
	if w := l.weights(); w != "a=40 a-canary=60" {
		t.Errorf("weights at 60%%: %s", w)
	}

	e, _ = l.open()
	if out, err := e.CanaryPromote(t.Context()); err != nil || out.Status != release.Deployed {
		t.Fatalf("promote to 100%%: %+v %v", out, err)
	}
	if w := l.weights(); w != "a=1" && w != "a" {
		t.Errorf("route after the canary: %s, want it as the overlay has it", w)
	}
	if got, want := l.split(), (split{stable: newImg, stableReady: 2}); got != want {
		t.Errorf("after the canary: %+v, want %+v", got, want)
	}
	if _, err := l.cluster.Clientset(t).CoreV1().Services(l.ns).Get(t.Context(), "a"+canarySuffix, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("canary service after the canary: %v, want it gone", err)
	}
	l.waitNoCanaryPods()

	// An abort gives the route back its weights too, and the release after
	// it applies the route without a conflict.
	l.push("a", "3333333333333333333333333333333333333333")
	e, _ = l.open()
	if out, err := e.Deploy(t.Context(), l.m.Services); err != nil || out.Canary.Step != 20 {
		t.Fatalf("third deploy: %+v %v", out, err)
	}
	e, _ = l.open()
	if _, err := e.CanaryAbort(t.Context()); err != nil {
		t.Fatalf("canary abort: %v", err)
	}
	if w := l.weights(); w != "a=1" && w != "a" {
		t.Errorf("route after the abort: %s", w)
	}
	if got, want := l.split(), (split{stable: newImg, stableReady: 2}); got != want {
		t.Errorf("after the abort: %+v, want %+v", got, want)
	}
	l.m.Environments[0].Canary = nil
	e, _ = l.open()
	if out, err := e.Deploy(t.Context(), l.m.Services); err != nil || out.Status != release.Deployed {
		t.Fatalf("deploy after the abort: %+v %v", out, err)
	}
}
