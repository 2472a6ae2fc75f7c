package app

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/deploy/applyset"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/report"
)

func TestIntegrationDeployFirstThenUnchanged(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend", "zfrontend", "zworker")
	c.checkout()
	c.pushAll()

	r := c.deploy(ExitOK)
	if !r.OK || r.Revision != 1 || r.Unchanged || r.Namespace != c.ns {
		t.Fatalf("first deploy: ok %v revision %d unchanged %v namespace %q", r.OK, r.Revision, r.Unchanged, r.Namespace)
	}
	objs := objectsByName(r)
	for _, s := range c.services {
		commit := c.remotes[s].Head(t, "master")
		tagged := c.registry + "/" + s + ":" + commit
		o := objs["deployment/"+s]
		if o.Action != "created" || o.Rollout != "ready" || o.Ready != "2/2" {
			t.Errorf("deployment %s: %+v", s, o)
		}
		if objs["service/"+s].Action != "created" {
			t.Errorf("service %s: %+v", s, objs["service/"+s])
		}
		img, _ := c.image(s)
		if want := c.registry + "/" + s + "@" + c.digests[tagged]; img != want {
			t.Errorf("deployment %s runs %s, want %s", s, img, want)
		}
		d, _ := c.cs.AppsV1().Deployments(c.ns).Get(t.Context(), s, metav1.GetOptions{})
		if d.Annotations[render.ImagesAnnotation] != tagged {
			t.Errorf("deployment %s: %s = %q, want %q", s, render.ImagesAnnotation, d.Annotations[render.ImagesAnnotation], tagged)
		}
		if d.Labels[applyset.PartOfLabel] != applyset.ForEnv("staging", c.ns).ID() {
			t.Errorf("deployment %s is not labelled as a member of the ApplySet: %v", s, d.Labels)
		}
		if d.Status.ReadyReplicas != 2 {
			t.Errorf("deployment %s: %d ready replicas", s, d.Status.ReadyReplicas)
		}
	}
	for _, s := range r.Services {
		if s.Action != report.ActionDeployed || s.Digest == "" || len(s.Commit) != 40 {
			t.Errorf("service %+v", s)
		}
	}
	parent, err := c.cs.CoreV1().Secrets(c.ns).Get(t.Context(), applyset.ForEnv("staging", c.ns).Name, metav1.GetOptions{})
	if err != nil || parent.Annotations[applyset.GroupKindsAnnotation] != "Deployment.apps,Service" || parent.Annotations[applyset.ToolingAnnotation] != applyset.Tooling {
		t.Errorf("ApplySet parent: %v %v", parent.Annotations, err)
	}

	before := c.snapshot()
	r = c.deploy(ExitOK)
	if !r.OK || !r.Unchanged || r.Revision != 1 {
		t.Errorf("redeploy: ok %v unchanged %v revision %d", r.OK, r.Unchanged, r.Revision)
	}
	for _, o := range r.Objects {
		if o.Action != "unchanged" {
			t.Errorf("redeploy %s %s: %s", o.Kind, o.Name, o.Action)
		}
	}
	for _, s := range r.Services {
		if s.Action != report.ActionUnchanged {
			t.Errorf("redeploy service %s: %s", s.Name, s.Action)
		}
	}
	c.sameSnapshot("an unchanged redeploy", before)

	// The lock of this release deploys the same release.
	f := &lock.File{Registry: c.registry, Services: map[string]lock.Entry{}}
	for _, s := range r.Services {
		f.Services[s.Name] = lock.Entry{Reference: s.Reference, Commit: s.Commit, Image: image.Cut(s.Image), Digest: s.Digest}
	}
	if err := lock.Write(filepath.Join(c.root, lock.FileName), f); err != nil {
		t.Fatal(err)
	}
	if r = c.deploy(ExitOK, "--locked"); !r.Unchanged {
		t.Errorf("deploy --locked of the deployed release changed something: %+v", r.Objects)
	}
	c.sameSnapshot("deploy --locked of the same release", before)

	code, out, stderr := c.run(t.Context(), "json", "history", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	var h report.HistoryReport
	if err := json.Unmarshal([]byte(out), &h); code != 0 || err != nil {
		t.Fatalf("history: exit %d %v\n%s%s", code, err, out, stderr)
	}
	if len(h.Revisions) != 1 || h.Revisions[0].Status != "deployed" || len(h.Revisions[0].Services) != 3 {
		t.Errorf("history %+v", h)
	}
}

func TestIntegrationDeployNewImageWithRenderAndDiff(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend", "zfrontend", "zworker")
	c.checkout()
	c.pushAll()
	c.deploy(ExitOK)
	oldImage, _ := c.image("zbackend")

	commit := c.remotes["zbackend"].Commit(t, "master", map[string]string{"main.go": "package main\n"}, "change")
	digest := c.push("zbackend", commit)
	before := c.snapshot()

	code, out, stderr := c.run(t.Context(), "text", "render", "--env", "staging", "--sync")
	if code != 0 || !strings.Contains(out, "zbackend@"+digest) || !strings.Contains(out, "zbackend:"+commit) {
		t.Fatalf("render: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, stderr = c.run(t.Context(), "json", "diff", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	var d report.DiffReport
	if err := json.Unmarshal([]byte(out), &d); code != ExitFailed || err != nil {
		t.Fatalf("diff: exit %d %v\n%s%s", code, err, out, stderr)
	}
	if len(d.Changes) != 1 || d.Changes[0].Name != "zbackend" || d.Changes[0].Kind != "Deployment" || d.Changes[0].Action != "configured" {
		t.Fatalf("diff changes %+v", d.Changes)
	}
	if !strings.Contains(d.Changes[0].Diff, "-      - image: "+oldImage+"\n") || !strings.Contains(d.Changes[0].Diff, "+      - image: "+c.registry+"/zbackend@"+digest+"\n") {
		t.Errorf("diff does not show the image change:\n%s", d.Changes[0].Diff)
	}
	c.sameSnapshot("render and diff", before)

	r := c.deploy(ExitOK)
	objs := objectsByName(r)
	if r.Revision != 2 || objs["deployment/zbackend"].Action != "configured" || objs["deployment/zbackend"].Rollout != "ready" {
		t.Fatalf("deploying the new image: revision %d, %+v", r.Revision, objs["deployment/zbackend"])
	}
	for name, o := range objs {
		if name != "deployment/zbackend" && o.Action != "unchanged" {
			t.Errorf("%s: %s, want unchanged", name, o.Action)
		}
	}
	if img, _ := c.image("zbackend"); img != c.registry+"/zbackend@"+digest {
		t.Errorf("zbackend runs %s", img)
	}
	code, out, _ = c.run(t.Context(), "text", "diff", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != 0 || !strings.Contains(out, "no changes") {
		t.Errorf("diff after deploying: exit %d\n%s", code, out)
	}

	// --services moves only the services named; the others keep the version
	// deployed, even when their checkouts have moved on.
	frontendBefore, _ := c.image("zfrontend")
	for _, s := range []string{"zfrontend", "zworker"} {
		c.push(s, c.remotes[s].Commit(t, "master", map[string]string{"v2": "2"}, "v2"))
	}
	c.checkout()
	r = c.deploy(ExitOK, "--services", "zworker")
	objs = objectsByName(r)
	if r.Revision != 3 || objs["deployment/zworker"].Action != "configured" || objs["deployment/zfrontend"].Action != "unchanged" || len(r.Services) != 3 {
		t.Errorf("--services zworker: revision %d, zworker %s, zfrontend %s", r.Revision, objs["deployment/zworker"].Action, objs["deployment/zfrontend"].Action)
	}
	if img, _ := c.image("zfrontend"); img != frontendBefore {
		t.Errorf("zfrontend moved to %s, want it to stay at %s", img, frontendBefore)
	}
}

func TestIntegrationDeployPrunesOnlyItsOwn(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend", "zfrontend", "zworker")
	c.checkout()
	c.pushAll()
	c.write("k8s/overlays/staging/extra.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndata: {k: v}\n")
	c.overlay("- extra.yaml\n")
	r := c.deploy(ExitOK)
	if objectsByName(r)["configmap/extra"].Action != "created" {
		t.Fatalf("extra configmap: %+v", objectsByName(r)["configmap/extra"])
	}
	// Objects the set does not own: one made by hand, one looking like ours but unlabelled.
	for _, name := range []string{"outsider", "lookalike"} {
		if _, err := c.cs.CoreV1().ConfigMaps(c.ns).Create(t.Context(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	c.overlay("")
	r = c.deploy(ExitOK)
	objs := objectsByName(r)
	if objs["configmap/extra"].Action != "pruned" {
		t.Errorf("extra configmap: %+v", objs["configmap/extra"])
	}
	pruned := 0
	for _, o := range r.Objects {
		if o.Action == "pruned" {
			pruned++
		}
	}
	if pruned != 1 {
		t.Errorf("%d objects pruned, want 1", pruned)
	}
	for name, want := range map[string]bool{"extra": false, "outsider": true, "lookalike": true} {
		_, err := c.cs.CoreV1().ConfigMaps(c.ns).Get(t.Context(), name, metav1.GetOptions{})
		if (err == nil) != want {
			t.Errorf("configmap %s present %v, want %v", name, err == nil, want)
		}
	}
	if _, err := c.cs.AppsV1().Deployments(c.ns).Get(t.Context(), "zbackend", metav1.GetOptions{}); err != nil {
		t.Errorf("zbackend: %v", err)
	}
}

func TestIntegrationDeployFailsBeforeTouchingTheCluster(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend", "zfrontend", "zworker")
	c.checkout()
	c.push("zfrontend", c.remotes["zfrontend"].Head(t, "master"))
	before := c.snapshot()

	r := c.deploy(ExitFailed)
	if r.OK || !strings.Contains(r.Error, "x-platform build --services zbackend,zworker") || len(r.Services) != 2 {
		t.Errorf("missing images: %+v", r)
	}
	c.pushAll()
	code, _, stderr := c.run(t.Context(), "text", "deploy", "--env", "staging", "--locked", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitUsage || !strings.Contains(stderr, "x-platform lock") {
		t.Errorf("--locked without a lock: exit %d\n%s", code, stderr)
	}
	c.write("k8s/overlays/staging/kustomization.yaml", "resources: [missing.yaml]\n")
	code, _, stderr = c.run(t.Context(), "text", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitUsage || !strings.Contains(stderr, "missing.yaml") {
		t.Errorf("overlay that does not render: exit %d\n%s", code, stderr)
	}
	code, _, stderr = c.run(t.Context(), "text", "deploy", "--env", "qa", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitUsage || !strings.Contains(stderr, `unknown environment "qa"`) || !strings.Contains(stderr, "staging") {
		t.Errorf("unknown env: exit %d\n%s", code, stderr)
	}
	c.overlay("")
	closed := c.closedKubeconfig(t)
	code, _, stderr = c.run(t.Context(), "text", "deploy", "--env", "staging", "--kubeconfig", closed)
	if code != ExitFailed || !strings.Contains(stderr, "reaching the cluster at https://127.0.0.1:") {
		t.Errorf("unreachable cluster: exit %d\n%s", code, stderr)
	}
	code, _, stderr = c.run(t.Context(), "text", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig, "--context", "nope")
	if code != ExitUsage || !strings.Contains(stderr, "nope") {
		t.Errorf("unknown context: exit %d\n%s", code, stderr)
	}
	c.write("k8s/base/zbackend/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: zbackend\n  annotations: {x-platform.io/fail-mode: Sometimes}\nspec: {}\n")
	code, _, stderr = c.run(t.Context(), "text", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitUsage || !strings.Contains(stderr, "Sometimes") {
		t.Errorf("invalid fail mode: exit %d\n%s", code, stderr)
	}
	c.sameSnapshot("deploys that failed before applying", before)
}
