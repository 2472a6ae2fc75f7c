package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/x-platform/x-platform/internal/deploy"
	xpimage "github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// previews is a buildable platform (see platform) whose overlays deploy to
// the test cluster: a named environment, staging, and the preview template.
type previews struct {
	*platform
	cluster *testenv.ClusterEnv
	cs      kubernetes.Interface
	staging string // staging's namespace
	prefix  string // of the previews' namespaces
}

func newPreviews(t *testing.T, services ...string) *previews {
	t.Helper()
	cluster := testenv.Cluster(t)
	v := &previews{platform: newPlatform(t, services...), cluster: cluster, cs: cluster.Clientset(t), staging: cluster.Namespace(t)}
	v.prefix = testenv.UniqueName(t, "pv")
	// After the cluster and the base image, which are cached below the real HOME.
	t.Setenv("HOME", t.TempDir())
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	b, err := os.ReadFile(filepath.Join(v.root, "x-platform.yml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(v.root, "x-platform.yml"), string(b)+fmt.Sprintf(`environments:
  staging: {namespace: %s}
  preview:
    preview: {namespace: "%s-{branch}", ttl: 1h}
    tests:
    - {name: smoke, image: %s, command: [/smoke], timeout: 1m}
`, v.staging, v.prefix, services[0]))
	var overlay strings.Builder
	overlay.WriteString("resources:\n")
	for _, s := range services {
		writeFile(t, filepath.Join(v.root, "k8s/base", s, "kustomization.yaml"), "resources: [deployment.yaml]\n")
		writeFile(t, filepath.Join(v.root, "k8s/base", s, "deployment.yaml"), fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: %[1]s}
spec:
  replicas: 1
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:
      containers: [{name: %[1]s, image: %[1]s}]
`, s))
		fmt.Fprintf(&overlay, "- ../../base/%s\n", s)
	}
	writeFile(t, filepath.Join(v.root, "k8s/overlays/staging/kustomization.yaml"), overlay.String())
	writeFile(t, filepath.Join(v.root, "k8s/overlays/preview/kustomization.yaml"), overlay.String())
	t.Cleanup(func() { v.deleteAll(t) })
	return v
}

// deleteAll deletes what is left of the test's previews.
func (v *previews) deleteAll(t *testing.T) {
	ctx := context.Background() // the test's own context has ended
	list, err := v.cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: deploy.PreviewLabel + "=true"})
	if err != nil {
		t.Errorf("listing previews: %v", err)
		return
	}
	for _, ns := range list.Items {
		if strings.HasPrefix(ns.Name, v.prefix) {
			if err := v.cs.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				t.Errorf("deleting %s: %v", ns.Name, err)
			}
		}
	}
}

// x runs x-platform with args, the test cluster's kubeconfig added after
// the command, and checks the exit code.
func (v *previews) x(want int, format string, args ...string) (string, string) {
	v.t.Helper()
	n := 1 // flags go before a command's arguments
	if args[0] == "preview" {
		n = 2
	}
	all := append(append(append([]string{}, args[:n]...), "--kubeconfig", v.cluster.Kubeconfig), args[n:]...)
	code, out, stderr := v.runOutput(v.t.Context(), format, all...)
	if code != want {
		v.t.Fatalf("x-platform %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, want, out, stderr)
	}
	return out, stderr
}

func (v *previews) deploy(branch string, args ...string) report.DeployReport {
	v.t.Helper()
	out, stderr := v.x(ExitOK, "json", append([]string{"deploy", "--preview", branch, "--sync", "--timeout", "90s"}, args...)...)
	var r report.DeployReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		v.t.Fatalf("deploy --preview %s: %v\n%s", branch, err, out)
	}
	v.t.Logf("deploy --preview %s:\n%s", branch, stderr)
	return r
}

// list returns the test's previews by name.
func (v *previews) list(args ...string) map[string]report.Preview {
	v.t.Helper()
	out, _ := v.x(ExitOK, "json", append([]string{"preview", "list"}, args...)...)
	return v.decode(out)
}

func (v *previews) decode(out string) map[string]report.Preview {
	v.t.Helper()
	var rep report.Previews
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		v.t.Fatalf("not a preview report: %v\n%s", err, out)
	}
	got := map[string]report.Preview{}
	for _, p := range rep.Previews {
		if strings.HasPrefix(p.Name, v.prefix) {
			got[p.Name] = p
		}
	}
	return got
}

// pushRandom pushes a random image as <registry>/<service>:<tag> and returns its digest.
func (v *previews) pushRandom(service, tag string) string {
	v.t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		v.t.Fatal(err)
	}
	ref, err := name.NewTag(v.ref(service, tag))
	if err != nil {
		v.t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithContext(v.t.Context())); err != nil {
		v.t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		v.t.Fatal(err)
	}
	return d.String()
}

func (v *previews) running(ns, deployment string) string {
	v.t.Helper()
	d, err := v.cs.AppsV1().Deployments(ns).Get(v.t.Context(), deployment, metav1.GetOptions{})
	if err != nil {
		v.t.Fatalf("reading deployment %s/%s: %v", ns, deployment, err)
	}
	return d.Spec.Template.Spec.Containers[0].Image
}

// gone says whether a namespace is deleted or being deleted.
func (v *previews) gone(ns string) bool {
	v.t.Helper()
	live, err := v.cs.CoreV1().Namespaces().Get(v.t.Context(), ns, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return true
	}
	if err != nil {
		v.t.Fatal(err)
	}
	return live.DeletionTimestamp != nil
}

// TestIntegrationPreview: a preview of a branch that one service's repo
// has runs that service built from the branch and the other at its pin; it
// is listed, redeployed with a new ttl, a second preview expires and gc
// collects only that one, and delete refuses a named environment's
// namespace, and a template that would share an object is refused.
func TestIntegrationPreview(t *testing.T) {
	v := newPreviews(t, "zfront", "zback")
	branchHead := v.remotes["zfront"].Commit(t, "feature/x", map[string]string{"README.md": "on the branch\n"}, "a change on the branch")
	backPin := v.pushRandom("zback", v.remotes["zback"].Head(t, "master"))

	// A preview template is no environment of its own.
	_, stderr := v.x(ExitUsage, "json", "deploy", "--env", "preview")
	if !strings.Contains(stderr, "--preview BRANCH") {
		t.Errorf("deploy --env preview: %s", stderr)
	}

	before := time.Now()
	r := v.deploy("feature/x")
	first := v.prefix + "-feature-x"
	if !r.OK || r.Env != first || r.Namespace != first || r.Revision != 1 {
		t.Fatalf("deploy --preview feature/x: %+v", r)
	}
	// The template's post-deploy tests run in the preview.
	if len(r.Tests) != 1 || r.Tests[0].Name != "smoke" || !r.Tests[0].Passed || !strings.HasPrefix(r.Tests[0].Job, "smoke-r1-") {
		t.Errorf("the preview's post-deploy tests: %+v, want the template's smoke test passed", r.Tests)
	}
	services := map[string]report.ServiceResult{}
	for _, s := range r.Services {
		services[s.Name] = s
	}
	front, back := services["zfront"], services["zback"]
	if front.Commit != branchHead || front.Reference != "origin/feature/x" || back.Reference != "origin/master" || back.Digest != backPin {
		t.Errorf("deployed zfront %+v and zback %+v; want zfront at the branch head %s and zback at its pin", front, back, branchHead)
	}
	built, err := xpimage.NewRegistry().Digest(t.Context(), xpimage.Cut(v.ref("zfront", branchHead)))
	if err != nil {
		t.Fatalf("the branch's image is not in the registry: %v", err)
	}
	if got := v.running(first, "zfront"); got != v.registry+"/zfront@"+built {
		t.Errorf("zfront runs %s, want the branch's build %s", got, built)
	}
	if got := v.running(first, "zback"); got != v.registry+"/zback@"+backPin {
		t.Errorf("zback runs %s, want its pin %s", got, backPin)
	}
	if got := v.fileInImage(v.ref("zfront", branchHead), "/out.txt"); got != "built-"+branchHead {
		t.Errorf("the branch's image holds %q", got)
	}
	list := v.list()
	p, ok := list[first]
	if !ok || p.Branch != "feature/x" || strings.Join(p.Services, ",") != "zfront" || p.Revision != 1 || p.Status != "deployed" ||
		p.Created.Before(before.Add(-time.Second)) || p.Expires.Sub(p.Created) < 59*time.Minute || p.Expires.Sub(p.Created) > 61*time.Minute {
		t.Errorf("preview list: %+v", list)
	}
	// cleanup keeps what previews run, for their release records; staging,
	// never deployed here, holds no record to read.
	out, _ := v.x(ExitOK, "json", "cleanup", "--skip-unreachable")
	var plan report.Cleanup
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("cleanup's plan: %v\n%s", err, out)
	}
	reasons := map[string][]string{}
	for _, repo := range plan.Repositories {
		for _, d := range repo.Keep {
			reasons[repo.Service+"@"+d.Digest] = d.Reasons
		}
	}
	if why := reasons["zfront@"+built]; !slices.Contains(why, "release 1 of "+first+" (deployed)") {
		t.Errorf("cleanup keeps the preview's branch image for %q, want its release", why)
	}
	// status reads the named environments only: the template is none.
	out, _ = v.x(ExitOK, "json", "status")
	var st report.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st.Environments) != 1 || st.Environments[0].Name != "staging" {
		t.Errorf("status beside a preview template: %v\n%s", err, out)
	}
	table, _ := v.x(ExitOK, "text", "preview", "list")
	if !strings.Contains(table, first) || !strings.Contains(table, "feature/x") || !strings.Contains(table, "deployed") {
		t.Errorf("preview list table:\n%s", table)
	}

	// A redeploy refreshes the expiry, keeps the creation time and records
	// in the preview's own history.
	r = v.deploy("origin/feature/x", "--ttl", "3h")
	if r.Env != first || !r.Unchanged && r.Revision != 2 {
		t.Errorf("redeploy: %+v", r)
	}
	again := v.list()[first]
	if !again.Created.Equal(p.Created) || again.Expires.Sub(time.Now()) < 2*time.Hour {
		t.Errorf("after a redeploy with --ttl 3h: %+v (was %+v)", again, p)
	}

	// history and test take a preview by its name; what would put pins
	// where it runs its branch refuses it.
	out, _ = v.x(ExitOK, "json", "history", "--env", first)
	var h report.HistoryReport
	if err := json.Unmarshal([]byte(out), &h); err != nil || h.Env != first || len(h.Revisions) == 0 || h.Revisions[0].Tests[0].Name != "smoke" {
		t.Errorf("history --env %s: %v\n%s", first, err, out)
	}
	out, _ = v.x(ExitOK, "json", "test", "--env", first)
	if !strings.Contains(out, `"passed": true`) || !strings.Contains(out, `"env": "`+first+`"`) {
		t.Errorf("test --env %s:\n%s", first, out)
	}
	for _, args := range [][]string{{"diff", "--env", first}, {"promote", "--from", "staging", "--to", first}} {
		if _, stderr := v.x(ExitUsage, "text", args...); !strings.Contains(stderr, first+" is a preview") {
			t.Errorf("%v: %s", args, stderr)
		}
	}
	if code, _, stderr := v.runOutput(t.Context(), "text", "render", "--env", first); code != ExitUsage || !strings.Contains(stderr, first+" is a preview") {
		t.Errorf("render --env %s: exit %d\n%s", first, code, stderr)
	}

	// A new commit on the branch is a new revision of the preview, and a
	// rollback by the preview's name restores the branch's first build.
	newer := v.remotes["zfront"].Commit(t, "feature/x", map[string]string{"README.md": "newer\n"}, "newer on the branch")
	if r = v.deploy("feature/x"); r.Revision < 2 || r.Services[0].Commit != newer && r.Services[1].Commit != newer {
		t.Errorf("deploy --preview feature/x after a new commit: %+v", r)
	}
	out, _ = v.x(ExitOK, "json", "rollback", "--env", first, "--timeout", "90s")
	var rb report.DeployReport
	if err := json.Unmarshal([]byte(out), &rb); err != nil || !rb.OK || rb.Env != first {
		t.Errorf("rollback --env %s: %v\n%s", first, err, out)
	}
	if got := v.running(first, "zfront"); got != v.registry+"/zfront@"+built {
		t.Errorf("after the rollback zfront runs %s, want the branch's first build %s", got, built)
	}

	// A branch no repo has: every service at its pin.
	frontPin := v.pushRandom("zfront", v.remotes["zfront"].Head(t, "master"))
	r = v.deploy("nowhere")
	second := v.prefix + "-nowhere"
	if r.Env != second || v.running(second, "zfront") != v.registry+"/zfront@"+frontPin {
		t.Errorf("deploy --preview nowhere: %+v", r)
	}
	if got := v.list(); len(got) != 2 || len(got[second].Services) != 0 {
		t.Errorf("two previews: %+v", got)
	}

	// The second one expires.
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, deploy.ExpiresAnnotation, time.Now().Add(-time.Minute).UTC().Format(time.RFC3339))
	if _, err := v.cs.CoreV1().Namespaces().Patch(t.Context(), second, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	out, _ = v.x(ExitOK, "json", "preview", "gc", "--dry-run")
	if got := v.decode(out); len(got) != 1 || got[second].Action != "would-delete" || !got[second].Expired {
		t.Errorf("gc --dry-run: %s", out)
	}
	if v.gone(second) {
		t.Fatal("gc --dry-run deleted the preview")
	}
	out, _ = v.x(ExitOK, "json", "preview", "gc")
	if got := v.decode(out); len(got) != 1 || got[second].Action != "deleted" {
		t.Errorf("gc: %s", out)
	}
	if !v.gone(second) || v.gone(first) {
		t.Errorf("after gc: second gone %v, first gone %v; want only the expired one", v.gone(second), v.gone(first))
	}

	// delete refuses a named environment's namespace, and any unlabelled one.
	for _, ns := range []string{v.staging, "kube-system"} {
		_, stderr = v.x(ExitUsage, "text", "preview", "delete", ns)
		if !strings.Contains(stderr, "is not a preview of this platform's") || v.gone(ns) {
			t.Errorf("preview delete %s: %s", ns, stderr)
		}
	}
	v.x(ExitUsage, "text", "preview", "delete", v.prefix+"-absent")

	// A template with a cluster-scoped object would share it among previews:
	// refused before the preview's namespace is made.
	overlay := filepath.Join(v.root, "k8s/overlays/preview")
	writeFile(t, filepath.Join(overlay, "role.yaml"), "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: "+v.prefix+"}\nrules: []\n")
	writeFile(t, filepath.Join(overlay, "kustomization.yaml"), "resources: [../../base/zfront, ../../base/zback, role.yaml]\n")
	_, stderr = v.x(ExitUsage, "json", "deploy", "--preview", "shared", "--timeout", "90s")
	if !strings.Contains(stderr, "is cluster-scoped") {
		t.Errorf("a template with a ClusterRole: %s", stderr)
	}
	if _, err := v.cs.CoreV1().Namespaces().Get(t.Context(), v.prefix+"-shared", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("a refused preview made its namespace: %v", err)
	}

	// What a Tab after `preview delete` offers follows the commands.
	if names := readPreviewNames(previewNamesFile(v.root)); !slices.Contains(names, first) {
		t.Errorf("the names completion offers %q lack %s", names, first)
	}
	v.x(ExitOK, "text", "preview", "delete", first)
	if !v.gone(first) {
		t.Error("preview delete left the namespace")
	}
	if names := readPreviewNames(previewNamesFile(v.root)); slices.Contains(names, first) {
		t.Errorf("the names completion offers %q still hold the deleted %s", names, first)
	}
}
