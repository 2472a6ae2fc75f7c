package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// cluster is a throw-away platform folder deploying to the test cluster:
// services in real git remotes, checked out with gitsync, whose images are
// random ones pushed to a real registry (nothing needs building to deploy).
type cluster struct {
	t        testing.TB
	root     string
	registry string
	env      *testenv.ClusterEnv
	cs       kubernetes.Interface
	ns       string
	services []string
	remotes  map[string]*testenv.Remote
	digests  map[string]string // image:tag → digest
}

func newCluster(t testing.TB, services ...string) *cluster {
	t.Helper()
	env := testenv.Cluster(t)
	c := &cluster{
		t: t, root: t.TempDir(), env: env, cs: env.Clientset(t), ns: env.Namespace(t),
		registry: testenv.Registry(t) + "/" + testenv.UniqueName(t, "x"),
		services: services, remotes: map[string]*testenv.Remote{}, digests: map[string]string{},
	}
	for _, s := range services {
		c.remotes[s] = testenv.NewRemote(t, map[string]string{"README.md": s + "\n"})
	}
	c.writeManifest()
	for _, s := range services {
		c.base(s)
	}
	c.overlay("")
	return c
}

func (c *cluster) writeManifest() {
	var b strings.Builder
	fmt.Fprintf(&b, "registry: %s\nservices:\n", c.registry)
	for _, s := range c.services {
		fmt.Fprintf(&b, `  %s:
    dir: src/%s
    git: {remote: %s, reference: origin/master}
    dockerBuilder: {image: busybox, workdir: /src}
    docker: {image: %s}
`, s, s, c.remotes[s].URL, s)
	}
	fmt.Fprintf(&b, "environments:\n  staging: {namespace: %s}\n", c.ns)
	c.write("x-platform.yml", b.String())
}

func (c *cluster) write(rel, content string) {
	c.t.Helper()
	path := filepath.Join(c.root, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// base writes k8s/base/<service>: a Deployment of 2 replicas and a Service.
func (c *cluster) base(s string) {
	c.write("k8s/base/"+s+"/kustomization.yaml", "resources: [deployment.yaml, service.yaml]\n")
	c.write("k8s/base/"+s+"/deployment.yaml", fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: 2
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:
      containers:
      - name: %[1]s
        image: %[1]s
`, s))
	c.write("k8s/base/"+s+"/service.yaml", fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: %[1]s
spec:
  selector: {app: %[1]s}
  ports: [{port: 80}]
`, s))
}

// overlay writes k8s/overlays/staging with every base plus extra
// kustomization lines.
func (c *cluster) overlay(extra string) {
	var b strings.Builder
	b.WriteString("resources:\n")
	for _, s := range c.services {
		fmt.Fprintf(&b, "- ../../base/%s\n", s)
	}
	b.WriteString(extra)
	c.write("k8s/overlays/staging/kustomization.yaml", b.String())
}

// crashing is overlay text that makes service's pods crash-loop.
func crashing(service string) string {
	return fmt.Sprintf(`patches:
- target: {kind: Deployment, name: %s}
  patch: |-
    - op: add
      path: /spec/template/metadata/labels/x-platform.test~1waiting-reason
      value: CrashLoopBackOff
`, service)
}

// checkout syncs every service's checkout to origin/master.
func (c *cluster) checkout() {
	c.t.Helper()
	for _, s := range c.services {
		_, err := gitsync.Sync(c.t.Context(), gitsync.Request{Remote: c.remotes[s].URL, Dir: filepath.Join(c.root, "src", s), Reference: "origin/master"})
		if err != nil {
			c.t.Fatalf("syncing %s: %v", s, err)
		}
	}
}

// push writes a random image as <registry>/<service>:<commit> and returns its digest.
func (c *cluster) push(service, commit string) string {
	c.t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		c.t.Fatal(err)
	}
	ref := c.registry + "/" + service + ":" + commit
	tag, err := name.NewTag(ref)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := remote.Write(tag, img, remote.WithContext(c.t.Context())); err != nil {
		c.t.Fatalf("pushing %s: %v", ref, err)
	}
	d, _ := img.Digest()
	c.digests[ref] = d.String()
	return d.String()
}

// pushAll pushes an image for the commit each remote's master is at.
func (c *cluster) pushAll() {
	for _, s := range c.services {
		c.push(s, c.remotes[s].Head(c.t, "master"))
	}
}

// run executes x-platform in the platform folder and returns the exit code,
// stdout and stderr.
func (c *cluster) run(ctx context.Context, format string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	all := append([]string{"x-platform", "--file", filepath.Join(c.root, "x-platform.yml"), "--output", format}, args...)
	code := Run(ctx, all, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

// deploy runs deploy --env staging with args and checks the exit code.
func (c *cluster) deploy(want int, args ...string) report.DeployReport {
	c.t.Helper()
	code, out, stderr := c.run(c.t.Context(), "json", append([]string{"deploy", "--env", "staging", "--timeout", "90s", "--kubeconfig", c.env.Kubeconfig}, args...)...)
	if code != want {
		c.t.Fatalf("deploy %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, want, out, stderr)
	}
	var r report.DeployReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		c.t.Fatalf("deploy %v: stdout is not a JSON report: %v\n%s\nstderr:\n%s", args, err, out, stderr)
	}
	c.t.Logf("deploy %v (exit %d):\n%s", args, code, stderr)
	return r
}

// closedPort returns a loopback port nothing listens on.
// closedKubeconfig writes a kubeconfig whose cluster is a port nothing
// listens on, and returns its path.
func (c *cluster) closedKubeconfig(t testing.TB) string {
	c.write("kubeconfig-closed", fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:%d"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: gone, context: {cluster: c, user: u}}]
current-context: gone
`, closedPort(t)))
	return c.root + "/kubeconfig-closed"
}

// kubeconfigWithClosedContext is the test cluster's kubeconfig with one
// more context, name, whose server is a closed port.
func (c *cluster) kubeconfigWithClosedContext(t testing.TB, name string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(c.env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: fmt.Sprintf("https://127.0.0.1:%d", closedPort(t))}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: "t"}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
	path := filepath.Join(c.root, "kubeconfig-"+name)
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func closedPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// snapshot records the resourceVersion and managed fields of every object
// a deploy may touch in the test's namespace.
func (c *cluster) snapshot() map[string]string {
	c.t.Helper()
	ctx := c.t.Context()
	out := map[string]string{}
	add := func(kind string, meta metav1.ObjectMeta) {
		mf, _ := json.Marshal(meta.ManagedFields)
		out[kind+"/"+meta.Name] = meta.ResourceVersion + " " + string(mf)
	}
	deps, err := c.cs.AppsV1().Deployments(c.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	for _, o := range deps.Items {
		add("deployment", o.ObjectMeta)
	}
	svcs, err := c.cs.CoreV1().Services(c.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	for _, o := range svcs.Items {
		add("service", o.ObjectMeta)
	}
	cms, err := c.cs.CoreV1().ConfigMaps(c.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	for _, o := range cms.Items {
		add("configmap", o.ObjectMeta)
	}
	secs, err := c.cs.CoreV1().Secrets(c.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	for _, o := range secs.Items {
		add("secret", o.ObjectMeta)
	}
	return out
}

func (c *cluster) sameSnapshot(what string, before map[string]string) {
	c.t.Helper()
	after := c.snapshot()
	if maps.Equal(before, after) {
		return
	}
	for k, v := range after {
		if before[k] != v {
			c.t.Errorf("%s changed %s", what, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			c.t.Errorf("%s deleted %s", what, k)
		}
	}
}

// image returns the image of a deployment's first container and its pod
// template's labels.
func (c *cluster) image(name string) (string, map[string]string) {
	c.t.Helper()
	d, err := c.cs.AppsV1().Deployments(c.ns).Get(c.t.Context(), name, metav1.GetOptions{})
	if err != nil {
		c.t.Fatalf("reading deployment %s: %v", name, err)
	}
	return d.Spec.Template.Spec.Containers[0].Image, d.Spec.Template.Labels
}

func objectsByName(r report.DeployReport) map[string]report.ObjectResult {
	out := map[string]report.ObjectResult{}
	for _, o := range r.Objects {
		out[strings.ToLower(o.Kind)+"/"+o.Name] = o
	}
	return out
}
