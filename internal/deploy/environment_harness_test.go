package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/manifest"
)

// newPlatform writes a platform folder: per service a Deployment of two
// replicas in k8s/base/<service>, the staging overlay naming them all,
// and a manifest whose staging environment is in namespace ns ("" leaves
// the namespace to the overlay and the kube context).
func newPlatform(t testing.TB, registry, ns string, services ...string) *manifest.Manifest {
	t.Helper()
	root := t.TempDir()
	m := &manifest.Manifest{Root: root, Path: filepath.Join(root, manifest.FileName), Registry: registry}
	if ns != "" {
		m.Environments = []manifest.Environment{{Name: "staging", Namespace: ns}}
	}
	var overlay strings.Builder
	overlay.WriteString("resources:\n")
	for _, s := range services {
		m.Services = append(m.Services, &manifest.Service{
			Name: s, Dir: "src/" + s, AbsDir: filepath.Join(root, "src", s),
			Git: manifest.Git{Reference: "origin/master"}, Docker: manifest.Docker{Image: s},
		})
		writeFile(t, root, "k8s/base/"+s+"/kustomization.yaml", "resources: [deployment.yaml]\n")
		writeFile(t, root, "k8s/base/"+s+"/deployment.yaml", fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: %[1]s}
spec:
  replicas: 2
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:
      containers:
      - {name: %[1]s, image: %[1]s}
`, s))
		fmt.Fprintf(&overlay, "- ../../base/%s\n", s)
	}
	writeFile(t, root, "k8s/overlays/staging/kustomization.yaml", overlay.String())
	return m
}

func writeFile(t testing.TB, root, rel, content string) {
	t.Helper()
	path := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// countingRenderer renders with render.Render and counts the renders of
// each environment.
type countingRenderer struct {
	root  string
	mu    sync.Mutex
	calls map[string]int
}

func (c *countingRenderer) Render(env string, images []render.Image) (*render.Result, error) {
	c.mu.Lock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[env]++
	c.mu.Unlock()
	return render.Render(c.root, env, images)
}

func (c *countingRenderer) count(env string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[env]
}

// checkouts is the commit each service's checkout is at.
type checkouts map[string]string

func (c checkouts) commit(s *manifest.Service) (string, error) {
	if sha, ok := c[s.Name]; ok {
		return sha, nil
	}
	return "", fmt.Errorf("no checkout of %s", s.Name)
}

// fakeCluster is a cluster of client-go fakes, to show what a command
// asked of it.
type fakeCluster struct {
	*kube.Cluster
	cs  *fake.Clientset
	dyn *dynamicfake.FakeDynamicClient
}

func newFakeCluster(ns string) *fakeCluster {
	cs := fake.NewClientset()
	dyn := dynamicfake.NewSimpleDynamicClient(runtime.NewScheme())
	return &fakeCluster{Cluster: &kube.Cluster{Namespace: ns, Clientset: cs, Dynamic: dyn}, cs: cs, dyn: dyn}
}

// writes lists the changes made to the cluster since reset, as
// "verb resource".
func (f *fakeCluster) writes() []string {
	var out []string
	for _, a := range append(f.cs.Actions(), f.dyn.Actions()...) {
		switch a.GetVerb() {
		case "get", "list", "watch":
		default:
			out = append(out, a.GetVerb()+" "+a.GetResource().Resource)
		}
	}
	return out
}

func (f *fakeCluster) reset() {
	f.cs.ClearActions()
	f.dyn.ClearActions()
}

// record writes a release record of env in ns.
func (f *fakeCluster) record(t testing.TB, ns string, rec *release.Record) {
	t.Helper()
	store := &release.Store{Secrets: f.cs.CoreV1().Secrets(ns), Env: "staging"}
	if err := store.Create(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
}

// checkRecorder is a Check that records what it was shown and fails with
// err.
type checkRecorder struct {
	err  error
	seen [][]Version
}

func (c *checkRecorder) check(_ context.Context, versions []Version) error {
	c.seen = append(c.seen, versions)
	return c.err
}
