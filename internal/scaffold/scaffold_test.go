package scaffold

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/retry"
	"github.com/x-platform/x-platform/internal/testenv"
)

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api}]}
`

// repos are a service with a Dockerfile and Kubernetes manifests whose
// HEAD names trunk, and one with neither.
func repos(t *testing.T) (api, lib *testenv.Remote) {
	api = testenv.NewRemote(t, map[string]string{"README.md": "old\n"})
	api.Commit(t, "trunk", map[string]string{
		"Dockerfile":                "FROM scratch\n",
		"deploy/api.yaml":           deployment,
		"deploy/svc.yml":            "apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: {ports: [{port: 80}]}\n",
		"deploy/ns.yaml":            "apiVersion: v1\nkind: Namespace\nmetadata: {name: api}\n",
		"deploy/kustomization.yaml": "resources: [api.yaml]\n",
		"deploy/values.yaml":        "replicas: 2\n",
		"docs/example.yaml":         deployment,
	}, "trunk")
	testenv.RunGit(t, api.Dir, "symbolic-ref", "HEAD", "refs/heads/trunk")
	lib = testenv.NewRemote(t, map[string]string{"lib.go": "package lib\n"})
	return api, lib
}

func TestInitFromRemotes(t *testing.T) {
	api, lib := repos(t)
	root := t.TempDir()
	o := Options{Root: root, Registry: "registry.example.com/team", Remotes: []string{api.URL, lib.Dir}, Env: "dev"}
	got, err := Read(t.Context(), gitsync.NewClient(retry.Policy{}), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "remote" || got[1].Name != "remote-2" || got[0].Branch != "trunk" || got[1].Branch != "master" {
		t.Fatalf("repos = %+v", got)
	}
	if !got[0].Dockerfile || got[1].Dockerfile || len(got[0].Kube) != 2 || len(got[1].Kube) != 0 {
		t.Fatalf("api has Dockerfile %v and %d Kubernetes files, lib %v and %d", got[0].Dockerfile, len(got[0].Kube), got[1].Dockerfile, len(got[1].Kube))
	}
	files, err := Make(got, o)
	if err != nil {
		t.Fatal(err)
	}
	written, err := Write(root, files, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".gitignore", "k8s/base/remote/deploy-api.yaml", "k8s/base/remote/deploy-svc.yaml", "k8s/base/remote/kustomization.yaml", "k8s/overlays/dev/kustomization.yaml", "x-platform.yml"}
	if strings.Join(written, " ") != strings.Join(want, " ") {
		t.Fatalf("written %q, want %q", written, want)
	}

	m, err := manifest.Load(filepath.Join(root, manifest.FileName))
	if err != nil {
		t.Fatalf("the manifest written does not load: %v", err)
	}
	a, l := m.Service("remote"), m.Service("remote-2")
	if m.Registry != o.Registry || a.Git.URL != api.URL || a.Git.Reference != "origin/trunk" || a.Dir != "src/remote" || a.HasBuilder() || a.Docker.Image != "remote" {
		t.Fatalf("service remote = %+v", a)
	}
	if l.Git.URL != lib.Dir || l.Git.Reference != "origin/master" {
		t.Fatalf("service remote-2 = %+v", l)
	}
	if len(m.Environments) != 1 || m.Environments[0].Name != "dev" || m.Environments[0].Namespace != "dev" {
		t.Fatalf("environments = %+v", m.Environments)
	}
	text := read(t, root, manifest.FileName)
	if !strings.HasPrefix(text, "# yaml-language-server: $schema="+manifest.SchemaID) || !strings.Contains(text, "No Dockerfile") {
		t.Fatalf("manifest:\n%s", text)
	}
	if g := read(t, root, ".gitignore"); !strings.Contains(g, "/.x-platform/\n") || !strings.Contains(g, "/src/\n") {
		t.Fatalf(".gitignore:\n%s", g)
	}
	r, err := render.Render(filepath.Join(root, "k8s"), "dev", nil)
	if err != nil {
		t.Fatalf("rendering the overlay written: %v", err)
	}
	if len(r.Objects) != 2 || r.Objects[0].GetNamespace() != "dev" {
		t.Fatalf("rendered %d objects:\n%s", len(r.Objects), r.YAML)
	}
}

func TestInitNeverOverwrites(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, ".gitignore"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := Files{".gitignore": []byte("new\n"), manifest.FileName: []byte("services: {}\n")}
	_, err := Write(root, files, false)
	var u *UsageError
	if !errors.As(err, &u) || !u.UsageError() || !strings.Contains(err.Error(), ".gitignore already exists") || !strings.Contains(err.Error(), "--overwrite") {
		t.Fatalf("writing over .gitignore: %v", err)
	}
	if read(t, root, ".gitignore") != "mine\n" {
		t.Fatal(".gitignore was overwritten")
	}
	if _, err := os.Stat(filepath.Join(root, manifest.FileName)); !os.IsNotExist(err) {
		t.Fatalf("a refused init wrote the manifest: %v", err)
	}
	if _, err := Write(root, files, true); err != nil || read(t, root, ".gitignore") != "new\n" {
		t.Fatalf("--overwrite: %v", err)
	}
}

func TestInitFromCheckouts(t *testing.T) {
	api, lib := repos(t)
	root := t.TempDir()
	inside, outside := filepath.Join(root, "repos"), t.TempDir()
	testenv.RunGit(t, "", "clone", "--quiet", api.URL, filepath.Join(inside, "API_Server"))
	testenv.RunGit(t, "", "clone", "--quiet", lib.Dir, filepath.Join(outside, "lib"))
	if err := os.MkdirAll(filepath.Join(inside, "not-a-checkout"), 0o755); err != nil {
		t.Fatal(err)
	}
	client := gitsync.NewClient(retry.Policy{})
	got, err := Read(t.Context(), client, Options{Root: root, From: inside})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "remote" || got[0].Dir != "repos/API_Server" || got[0].Remote != api.URL {
		t.Fatalf("checkouts inside the platform folder = %+v", got)
	}
	got, err = Read(t.Context(), client, Options{Root: root, From: outside})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Dir != "src/remote" || got[0].Remote != lib.Dir {
		t.Fatalf("checkouts elsewhere = %+v", got)
	}
	files, err := Make(got, Options{Root: root, Registry: "localhost:5000", Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files["k8s/overlays/dev/kustomization.yaml"]; ok {
		t.Fatal("an overlay was made for repositories without Kubernetes manifests")
	}

	bare := filepath.Join(t.TempDir(), "plain")
	testenv.RunGit(t, "", "init", "--quiet", bare)
	_, err = Read(t.Context(), client, Options{Root: root, From: filepath.Dir(bare)})
	var u *UsageError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), "no remote origin") {
		t.Fatalf("a checkout without origin: %v", err)
	}
	if _, err := Read(t.Context(), client, Options{Root: root}); !errors.As(err, &u) {
		t.Fatalf("no repositories: %v", err)
	}
}

func TestNameOf(t *testing.T) {
	for in, want := range map[string]string{
		"git@github.com:org/My_Repo.git":    "my-repo",
		"https://gitlab.example.com/x/api/": "api",
		"ssh://git@h:2222/team/web-ui.git":  "web-ui",
		"/srv/git/Billing Service.git":      "billing-service",
		"file:///tmp/x/remote.git":          "remote",
		"https://h/...git":                  "service",
	} {
		if got := NameOf(in); got != want {
			t.Errorf("NameOf(%q) = %q, want %q", in, got, want)
		}
	}
	taken := map[string]bool{}
	if a, b := UniqueName("api", taken), UniqueName("api", taken); a != "api" || b != "api-2" {
		t.Errorf("two apis named %s and %s", a, b)
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"origin/main": "origin/main", "1.10": `"1.10"`, "true": `"true"`, "a: b": `"a: b"`,
		"git@h:x/y.git": "git@h:x/y.git", "#x": `"#x"`, "": `""`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func read(t *testing.T, root, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
