package skaffold

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/scaffold"
)

// TestMicroservicesDemo imports a skaffold.yaml laid out as microservices-demo's
// (two configs, Skaffold v2's deploy.kubectl.manifests, profiles that only
// change the build) from a checkout laid out as that repository is.
func TestMicroservicesDemo(t *testing.T) {
	text := testdata(t, "microservices-demo.yaml")
	files := map[string]string{"skaffold.yaml": text,
		"kubernetes-manifests/frontend.yaml":             deployment("frontend", "frontend"),
		"kubernetes-manifests/redis.yaml":                deployment("redis-cart", "redis:alpine"),
		"kubernetes-manifests/loadgenerator.yaml":        deployment("loadgenerator", "loadgenerator"),
		"otel-kubernetes-manifests/collector/agent.yaml": deployment("otel-agent", "otel-collector"),
		"src/cartservice/src/Dockerfile":                 "FROM scratch\n",
	}
	services := []string{"emailservice", "productcatalogservice", "recommendationservice", "shippingservice", "checkoutservice", "paymentservice",
		"currencyservice", "frontend", "adservice", "otel-collector", "loadgenerator"}
	for _, s := range services {
		files["src/"+s+"/Dockerfile"] = "FROM scratch\n"
	}
	dir, url := project(t, files)
	root := t.TempDir()
	res := importOK(t, Options{File: filepath.Join(dir, "skaffold.yaml"), Root: root})

	var names []string
	for _, s := range res.Services {
		names = append(names, s.Name)
		if s.Remote != url || s.Reference != "origin/master" || s.Dir != "src/remote" || s.Image != s.Name || s.From != s.Name {
			t.Errorf("service %+v", s)
		}
	}
	want := []string{"emailservice", "productcatalogservice", "recommendationservice", "shippingservice", "checkoutservice", "paymentservice",
		"currencyservice", "cartservice", "frontend", "adservice", "otel-collector", "otel-system", "loadgenerator"}
	if !slices.Equal(names, want) {
		t.Fatalf("services %q, want %q", names, want)
	}
	if c := service(t, res, "cartservice"); c.Path != "src/cartservice/src" || c.Dockerfile != "Dockerfile" || len(c.BuildArgs) != 1 || c.BuildArgs[0] != (Arg{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector:4317", lineOf(t, text, "OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4317'\n  - image: frontend") - 0}) {
		t.Errorf("cartservice = %+v", c)
	}
	if a := service(t, res, "adservice"); len(a.BuildArgs) != 0 || a.Path != "src/adservice" {
		t.Errorf("adservice keeps templated build args: %+v", a)
	}

	ad := lineOf(t, text, "NEW_RELIC_API_KEY: '{{.NEW_RELIC_API_KEY}}'\n        OTEL_EXPORTER_OTLP_TRACES")
	at := func(s string) int { return lineOf(t, text, s) }
	wantItems(t, "unconverted", res.Unconverted, 19,
		fmt.Sprintf("skaffold.yaml:%d: artifact adservice: build arg NEW_RELIC_API_KEY — templates of environment variables are not expanded", ad),
		fmt.Sprintf("skaffold.yaml:%d: artifact adservice: build arg OTEL_EXPORTER_OTLP_METRICS_ENDPOINT — ", ad+2),
		fmt.Sprintf("skaffold.yaml:%d: artifact otel-system: build arg NEW_RELIC_METRIC_URL — ", at("NEW_RELIC_METRIC_URL:")),
		fmt.Sprintf("skaffold.yaml:%d: profile gcb: build — a profile's build changes are not converted", at("  build:\n    googleCloudBuild")),
		fmt.Sprintf("skaffold.yaml:%d: profile debug: activation — environments are chosen with --env", at("  activation:")),
		fmt.Sprintf("skaffold.yaml:%d: profile debug: patches — profile patches are not applied", at("  patches:")),
		fmt.Sprintf("skaffold.yaml:%d: manifest ./kubernetes-manifests/adservice.yaml — matches no file", at("- ./kubernetes-manifests/adservice.yaml")),
	)
	wantItems(t, "notes", res.Notes, -1,
		fmt.Sprintf("skaffold.yaml:%d: build.tagPolicy — x-platform tags images with the commit SHA", at("tagPolicy:")),
		fmt.Sprintf("skaffold.yaml:%d: build.local — x-platform builds on BuildKit", at("  local:")),
		fmt.Sprintf("skaffold.yaml:%d: artifact otel-system — no src/otel-system/Dockerfile in the repository", at("- image: otel-system")),
	)

	if len(res.Environments) != 1 || res.Environments[0].Name != "dev" || strings.Join(res.Environments[0].Resources, " ") != "../../base/app ../../base/loadgenerator" {
		t.Fatalf("environments = %+v", res.Environments)
	}
	written, err := scaffold.Write(root, res.Files, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{".gitignore", "k8s/base/app/kubernetes-manifests-frontend.yaml", "k8s/base/app/otel-kubernetes-manifests-collector-agent.yaml",
		"k8s/base/loadgenerator/kubernetes-manifests-loadgenerator.yaml", "k8s/overlays/dev/kustomization.yaml", manifest.FileName} {
		if !slices.Contains(written, f) {
			t.Errorf("%s not written: %q", f, written)
		}
	}
	m, err := manifest.Load(filepath.Join(root, manifest.FileName))
	if err != nil {
		t.Fatalf("the manifest written does not load: %v", err)
	}
	if e := m.Service("emailservice"); e.Git.Path != "src/emailservice" || e.Docker.BuildArgs["OTEL_EXPORTER_OTLP_ENDPOINT"] != "http://otel-collector:4317" {
		t.Fatalf("emailservice = %+v", e)
	}
	r, err := render.Render(filepath.Join(root, "k8s"), "dev", []render.Image{{Name: "frontend", NewName: "registry.example.com/shop/frontend", Digest: "sha256:" + strings.Repeat("a", 64)}})
	if err != nil {
		t.Fatalf("rendering dev: %v", err)
	}
	if len(r.Objects) != 4 || !strings.Contains(string(r.YAML), "registry.example.com/shop/frontend@sha256:") || !strings.Contains(string(r.YAML), "namespace: dev") {
		t.Fatalf("rendered %d objects:\n%s", len(r.Objects), r.YAML)
	}
}
