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
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestMultiConfig imports a config that requires one of a folder of its
// repository and one of a git repository at a branch; artifacts depend on
// each other's images, and some are of builders x-platform lacks.
func TestMultiConfig(t *testing.T) {
	images := testenv.NewRemote(t, map[string]string{"README.md": "the default branch\n"})
	images.Commit(t, "stable", map[string]string{"images/skaffold.yaml": testdata(t, "multi-config/base.yaml"), "images/base/Dockerfile": "FROM scratch\n"}, "stable")
	text := strings.Replace(testdata(t, "multi-config/skaffold.yaml"), "repo: REMOTE", "repo: "+images.URL, 1)
	auth := testdata(t, "multi-config/auth.yaml")
	dir, url := project(t, map[string]string{
		"skaffold.yaml": text, "auth/skaffold.yaml": auth, "auth/Dockerfile": "FROM scratch\n", "auth/deployment.yaml": deployment("auth", "auth"),
		"web/Dockerfile.prod": "FROM scratch\n", "k8s/web.yaml": deployment("web", "gcr.io/example/web"), "worker/index.js": "\n",
	})
	testenv.RunGit(t, dir, "checkout", "--quiet", "-b", "develop")
	root := t.TempDir()
	res := importOK(t, Options{File: filepath.Join(dir, "skaffold.yaml"), Root: root, Env: "local"})

	var names []string
	for _, s := range res.Services {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"web", "auth", "base-image"}) {
		t.Fatalf("services %q", names)
	}
	web := service(t, res, "web")
	if web.From != "gcr.io/example/web" || web.Path != "web" || web.Dockerfile != "Dockerfile.prod" || web.Target != "runtime" || web.Reference != "origin/develop" || web.Remote != url ||
		!slices.Equal(web.Platforms, []string{"linux/amd64"}) || len(web.BuildArgs) != 2 || web.BuildArgs[0].Value != "1.2" || web.BuildArgs[1] != (Arg{Name: "BASE", Value: `{{ image "base-image" }}`}) {
		t.Errorf("web = %+v", web)
	}
	if a := service(t, res, "auth"); a.Path != "auth" || a.Dir != "src/remote" || a.Remote != url {
		t.Errorf("auth = %+v", a)
	}
	if b := service(t, res, "base-image"); b.Remote != images.URL || b.Reference != "origin/stable" || b.Path != "images/base" || b.Dir != "src/remote-2" {
		t.Errorf("base-image = %+v", b)
	}

	at := func(s string) int { return lineOf(t, text, s) }
	remote := images.URL + "//images/skaffold.yaml"
	wantItems(t, "unconverted", res.Unconverted, 8,
		fmt.Sprintf("skaffold.yaml:%d: requires.activeProfiles — ", at("activeProfiles")),
		fmt.Sprintf("skaffold.yaml:%d: artifact gcr.io/example/web: build arg TOKEN — a build arg without a value", at("TOKEN:")),
		fmt.Sprintf("skaffold.yaml:%d: artifact worker: buildpacks — x-platform builds images with Dockerfiles: add one to worker", at("buildpacks:")),
		fmt.Sprintf("skaffold.yaml:%d: artifact worker: sync — x-platform copies no files", at("sync:")),
		fmt.Sprintf("skaffold.yaml:%d: manifest k8s/missing/*.yaml — matches no file", at("- k8s/missing")),
		fmt.Sprintf("skaffold.yaml:%d: portForward — x-platform forwards no ports", at("portForward:")),
		fmt.Sprintf("auth/skaffold.yaml:%d: artifact auth: hooks — x-platform runs no hooks", lineOf(t, auth, "hooks:")),
		fmt.Sprintf("%s:%d: manifests.helm — x-platform deploys kustomize overlays: render the chart", remote, 10),
	)
	wantItems(t, "notes", res.Notes, 1, fmt.Sprintf("skaffold.yaml:%d: deploy.kubectl — x-platform applies the overlay itself", at("kubectl: {}")))

	if len(res.Environments) != 1 || res.Environments[0].Name != "local" {
		t.Fatalf("environments = %+v", res.Environments)
	}
	overlay := string(res.Files["k8s/overlays/local/kustomization.yaml"])
	if !strings.Contains(overlay, "- ../../base/shop\n- ../../base/auth\n") || !strings.Contains(overlay, "images:\n- name: gcr.io/example/web\n  newName: web\n") {
		t.Fatalf("overlay:\n%s", overlay)
	}
	if _, err := scaffold.Write(root, res.Files, false); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(filepath.Join(root, manifest.FileName))
	if err != nil {
		t.Fatalf("the manifest written does not load: %v", err)
	}
	if w := m.Service("web"); len(w.Deps) != 1 || w.Deps[0] != "base-image" || w.Docker.Target != "runtime" {
		t.Fatalf("web in the manifest = %+v", w)
	}
	r, err := render.Render(filepath.Join(root, "k8s"), "local", []render.Image{{Name: "web", NewName: "registry.example.com/shop/web", Digest: "sha256:" + strings.Repeat("b", 64)}})
	if err != nil {
		t.Fatalf("rendering local: %v", err)
	}
	if len(r.Objects) != 2 || !strings.Contains(string(r.YAML), "image: registry.example.com/shop/web@sha256:") {
		t.Fatalf("rendered:\n%s", r.YAML)
	}
}
