package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// namedRemote is a remote of files whose folder is <name>.git, so init
// names its service name; head, when set, is a branch its HEAD names.
func namedRemote(t *testing.T, name, head string, files map[string]string) string {
	r := testenv.NewRemote(t, map[string]string{"README.md": name + "\n"})
	branch := "master"
	if head != "" {
		branch = head
	}
	r.Commit(t, branch, files, "the service")
	if head != "" {
		testenv.RunGit(t, r.Dir, "symbolic-ref", "HEAD", "refs/heads/"+head)
	}
	dir := filepath.Join(t.TempDir(), name+".git")
	if err := os.Rename(r.Dir, dir); err != nil {
		t.Fatal(err)
	}
	return "file://" + dir
}

// TestIntegrationInitThenBuild makes a platform with init from real git
// repositories and builds it on the real engine and registry: every
// service is built by its Dockerfile alone, at its default branch.
func TestIntegrationInitThenBuild(t *testing.T) {
	p := newPlatform(t)
	dockerfile := "FROM " + p.base + "\nCOPY page.txt /page.txt\n"
	web := namedRemote(t, "web", "main", map[string]string{
		"Dockerfile": dockerfile, "page.txt": "web\n",
		"k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: web}]}\n",
	})
	api := namedRemote(t, "api", "", map[string]string{"Dockerfile": dockerfile, "page.txt": "api\n"})
	if err := os.Remove(filepath.Join(p.root, "x-platform.yml")); err != nil {
		t.Fatal(err)
	}

	code, out, stderr := p.runOutput(t.Context(), "json", "init", "--registry", p.registry, web, api)
	if code != ExitOK {
		t.Fatalf("init: exit %d\n%s", code, stderr)
	}
	var rep report.Init
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("init's report: %v\n%s", err, out)
	}
	if len(rep.Services) != 2 || rep.Services[0].Name != "web" || rep.Services[0].Reference != "origin/main" || !rep.Services[0].Kubernetes ||
		rep.Services[1].Name != "api" || rep.Services[1].Reference != "origin/master" || !rep.Services[1].Dockerfile {
		t.Fatalf("init's report = %+v", rep)
	}
	for _, f := range []string{".gitignore", "k8s/base/web/k8s-deployment.yaml", "k8s/overlays/dev/kustomization.yaml"} {
		if _, err := os.Stat(filepath.Join(p.root, f)); err != nil {
			t.Fatalf("init wrote no %s: %v", f, err)
		}
	}

	built := p.build(ExitOK)
	for _, name := range []string{"web", "api"} {
		r := built[name]
		if r.Action != report.ActionBuilt || p.remoteDigest(t, r.Image) != r.Digest {
			t.Fatalf("%s = %+v, want built and pushed", name, r)
		}
		if got := p.fileInImage(r.Image, "/page.txt"); got != name {
			t.Fatalf("%s's /page.txt = %q", name, got)
		}
	}
	code, yaml, stderr := p.runOutput(t.Context(), "text", "render", "--env", "dev")
	if code != ExitOK || !strings.Contains(yaml, "namespace: dev") || !strings.Contains(yaml, p.registry+"/web@"+built["web"].Digest) {
		t.Fatalf("render --env dev: exit %d\n%s\n%s", code, yaml, stderr)
	}

	code, _, stderr = p.runOutput(t.Context(), "text", "init", "--registry", p.registry, web)
	if code != ExitUsage || !strings.Contains(stderr, "x-platform.yml") || !strings.Contains(stderr, "--overwrite") {
		t.Fatalf("init over an existing platform: exit %d\n%s", code, stderr)
	}
}
