package skaffold

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/scaffold"
)

// TestProfilesKustomize makes an environment of each profile that names
// kustomize folders of its own, copying each folder with what it needs.
func TestProfilesKustomize(t *testing.T) {
	text := testdata(t, "profiles-kustomize.yaml")
	overlay := func(extra string) string { return "resources: [../../base]\n" + extra }
	dir, _ := project(t, map[string]string{
		"skaffold.yaml": text, "Dockerfile": "FROM scratch\n", "main.go": "package main\n",
		"k8s/base/kustomization.yaml":              "resources: [deployment.yaml]\n",
		"k8s/base/deployment.yaml":                 deployment("guestbook", "guestbook"),
		"k8s/base/unused.yaml":                     "not named by any kustomization\n",
		"k8s/overlays/dev/kustomization.yaml":      overlay(""),
		"k8s/overlays/staging/kustomization.yaml":  overlay("configMapGenerator:\n- name: settings\n  files: [app.properties=settings.properties]\n"),
		"k8s/overlays/staging/settings.properties": "mode=staging\n",
		"k8s/overlays/prod/kustomization.yaml":     overlay("patches:\n- path: replicas.yaml\n"),
		"k8s/overlays/prod/replicas.yaml":          "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: guestbook}\nspec: {replicas: 5}\n",
	})
	root := t.TempDir()
	res := importOK(t, Options{File: filepath.Join(dir, "skaffold.yaml"), Root: root})

	if len(res.Services) != 1 || res.Services[0].Name != "guestbook" || res.Services[0].Path != "" || res.Services[0].Dockerfile != "Dockerfile" {
		t.Fatalf("services = %+v", res.Services)
	}
	var envs []string
	for _, e := range res.Environments {
		envs = append(envs, e.Name+"="+e.Profile+":"+strings.Join(e.Resources, ","))
	}
	if got := strings.Join(envs, " "); got != "dev=:../../skaffold/remote/k8s/overlays/dev staging=staging:../../skaffold/remote/k8s/overlays/staging prod=Prod:../../skaffold/remote/k8s/overlays/prod" {
		t.Fatalf("environments %s", got)
	}
	at := func(s string) int { return lineOf(t, text, s) }
	wantItems(t, "unconverted", res.Unconverted, 3,
		fmt.Sprintf("skaffold.yaml:%d: profile Prod: activation — ", at("activation:")),
		fmt.Sprintf("skaffold.yaml:%d: profile Prod: patches — ", at("patches:")),
		fmt.Sprintf("skaffold.yaml:%d: profile gcb: build — ", at("    build:\n      googleCloudBuild")),
	)
	if _, ok := res.Files["k8s/skaffold/remote/k8s/base/unused.yaml"]; ok {
		t.Error("a file no kustomization names was copied")
	}
	for _, f := range []string{"k8s/skaffold/remote/k8s/overlays/staging/settings.properties", "k8s/skaffold/remote/k8s/overlays/prod/replicas.yaml", "k8s/skaffold/remote/k8s/base/deployment.yaml"} {
		if _, ok := res.Files[f]; !ok {
			t.Errorf("%s was not copied", f)
		}
	}
	if _, err := scaffold.Write(root, res.Files, false); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(filepath.Join(root, manifest.FileName))
	if err != nil {
		t.Fatalf("the manifest written does not load: %v", err)
	}
	if len(m.Environments) != 3 || m.Environments[2].Name != "prod" || m.Environments[2].Namespace != "prod" {
		t.Fatalf("environments in the manifest = %+v", m.Environments)
	}
	for env, want := range map[string]string{"dev": "namespace: dev", "staging": "mode=staging", "prod": "replicas: 5"} {
		r, err := render.Render(filepath.Join(root, "k8s"), env, nil)
		if err != nil {
			t.Fatalf("rendering %s: %v", env, err)
		}
		if !strings.Contains(string(r.YAML), want) {
			t.Errorf("%s renders no %q:\n%s", env, want, r.YAML)
		}
	}
}
