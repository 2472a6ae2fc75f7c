package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationImportSkaffoldThenBuild imports a Skaffold project from a
// checkout of a real git repository, whose config requires one of another
// repository, and builds the platform written on the real engine and
// registry: a monorepo's two services at their folders, and the required
// repository's image, on which one of them is built.
func TestIntegrationImportSkaffoldThenBuild(t *testing.T) {
	p := newPlatform(t)
	images := namedRemote(t, "images", "main", map[string]string{
		"skaffold.yaml": "apiVersion: skaffold/v4beta11\nkind: Config\nmetadata: {name: base}\nbuild:\n  artifacts:\n  - image: base\n    context: base\n" +
			"    docker:\n      buildArgs: {BASE_IMAGE: \"" + p.base + "\"}\n",
		"base/Dockerfile": "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY base.txt /base.txt\n", "base/base.txt": "base\n",
	})
	config := `apiVersion: skaffold/v4beta11
kind: Config
metadata: {name: shop}
requires:
  - git: {repo: "` + images + `", ref: main}
build:
  artifacts:
    - image: gcr.io/example/web
      context: services/web
      requires: [{image: base, alias: BASE}]
    - image: api
      context: services/api
      docker:
        dockerfile: Dockerfile.prod
        buildArgs: {BASE_IMAGE: "` + p.base + `"}
      sync: {infer: ["**/*"]}
manifests:
  kustomize:
    paths: [k8s/base]
profiles:
  - name: staging
    manifests:
      kustomize:
        paths: [k8s/overlays/staging]
`
	web := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n" +
		"    spec: {containers: [{name: web, image: gcr.io/example/web}]}\n"
	shop := namedRemote(t, "shop", "main", map[string]string{
		"skaffold.yaml":                           config,
		"services/web/Dockerfile":                 "ARG BASE\nFROM ${BASE}\nCOPY page.txt /page.txt\n",
		"services/web/page.txt":                   "web\n",
		"services/api/Dockerfile.prod":            "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY page.txt /page.txt\n",
		"services/api/page.txt":                   "api\n",
		"k8s/base/kustomization.yaml":             "resources: [web.yaml]\n",
		"k8s/base/web.yaml":                       web,
		"k8s/overlays/staging/kustomization.yaml": "resources: [../../base]\npatches:\n- path: replicas.yaml\n",
		"k8s/overlays/staging/replicas.yaml":      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 3}\n",
	})
	checkout := filepath.Join(t.TempDir(), "shop")
	testenv.RunGit(t, "", "clone", "--quiet", shop, checkout)
	if err := os.Remove(filepath.Join(p.root, "x-platform.yml")); err != nil {
		t.Fatal(err)
	}

	code, out, stderr := p.runOutput(t.Context(), "json", "import", "skaffold", "--registry", p.registry, filepath.Join(checkout, "skaffold.yaml"))
	if code != ExitOK {
		t.Fatalf("import skaffold: exit %d\n%s", code, stderr)
	}
	var rep report.ImportReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("import's report: %v\n%s", err, out)
	}
	sync := fmt.Sprintf("skaffold.yaml:%d: artifact api: sync — x-platform copies no files into running containers", strings.Count(config[:strings.Index(config, "sync:")], "\n")+1)
	if len(rep.Services) != 3 || rep.Services[0].Name != "web" || rep.Services[0].Path != "services/web" || rep.Services[2].Name != "base" || rep.Services[2].Remote != images ||
		len(rep.Environments) != 2 || rep.Environments[1].Profile != "staging" || len(rep.Unconverted) != 1 || fmt.Sprintf("%s:%d: %s — %s", rep.Unconverted[0].File, rep.Unconverted[0].Line, rep.Unconverted[0].What, rep.Unconverted[0].Why) != sync || !strings.Contains(stderr, sync) {
		t.Fatalf("import's report = %+v\nstderr:\n%s", rep, stderr)
	}

	built := p.build(ExitOK)
	for name, files := range map[string]map[string]string{"web": {"/page.txt": "web", "/base.txt": "base"}, "api": {"/page.txt": "api"}, "base": {"/base.txt": "base"}} {
		r := built[name]
		if r.Action != report.ActionBuilt || p.remoteDigest(t, r.Image) != r.Digest {
			t.Fatalf("%s = %+v, want built and pushed", name, r)
		}
		for f, want := range files {
			if got := p.fileInImage(r.Image, f); got != want {
				t.Fatalf("%s's %s = %q, want %q", name, f, got, want)
			}
		}
	}
	for env, want := range map[string]string{"dev": "namespace: dev", "staging": "replicas: 3"} {
		code, yaml, stderr := p.runOutput(t.Context(), "text", "render", "--env", env)
		if code != ExitOK || !strings.Contains(yaml, want) || !strings.Contains(yaml, p.registry+"/web@"+built["web"].Digest) {
			t.Fatalf("render --env %s: exit %d\n%s\n%s", env, code, yaml, stderr)
		}
	}

	code, _, stderr = p.runOutput(t.Context(), "text", "import", "skaffold", "--registry", p.registry, filepath.Join(checkout, "skaffold.yaml"))
	if code != ExitUsage || !strings.Contains(stderr, "already exist") || !strings.Contains(stderr, "--overwrite") {
		t.Fatalf("import over an existing platform: exit %d\n%s", code, stderr)
	}
	if code, _, stderr = p.runOutput(t.Context(), "text", "import", "skaffold", "--overwrite", "--registry", p.registry, filepath.Join(checkout, "skaffold.yaml")); code != ExitOK {
		t.Fatalf("import --overwrite: exit %d\n%s", code, stderr)
	}
}
