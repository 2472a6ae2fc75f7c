package app

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// previewNamespace makes namespace name as deploy --preview makes it for
// the template tmpl: labelled, annotated with its branch, template and
// expiry, expired an hour ago when expired is set.
func (v *previews) previewNamespace(name, tmpl string, expired bool) {
	v.t.Helper()
	expires := time.Now().Add(time.Hour)
	if expired {
		expires = time.Now().Add(-time.Hour)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: name, Labels: map[string]string{deploy.PreviewLabel: "true"},
		Annotations: map[string]string{
			deploy.BranchAnnotation: "b-" + name, deploy.TemplateAnnotation: tmpl,
			deploy.CreatedAnnotation: time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339),
			deploy.ExpiresAnnotation: expires.UTC().Format(time.RFC3339),
		},
	}}
	if _, err := v.cs.CoreV1().Namespaces().Create(v.t.Context(), ns, metav1.CreateOptions{}); err != nil {
		v.t.Fatal(err)
	}
	v.t.Cleanup(func() {
		err := v.cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			v.t.Errorf("deleting %s: %v", name, err)
		}
	})
}

// contextKubeconfig writes a copy of the test cluster's kubeconfig whose
// current context sets namespace ns.
func (v *previews) contextKubeconfig(ns string) string {
	v.t.Helper()
	cfg, err := clientcmd.LoadFromFile(v.cluster.Kubeconfig)
	if err != nil {
		v.t.Fatal(err)
	}
	cfg.Contexts[cfg.CurrentContext].Namespace = ns
	path := filepath.Join(v.t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		v.t.Fatal(err)
	}
	return path
}

// TestIntegrationPreviewForeign: previews of another platform on the same
// cluster — the same label, but another template or a name outside this
// manifest's pattern — are neither listed, collected nor deleted; this
// platform's expired preview is.
func TestIntegrationPreviewForeign(t *testing.T) {
	v := newPreviews(t, "zfront")
	mine, theirs, elsewhere := v.prefix+"-mine", v.prefix+"-theirs", testenv.UniqueName(t, "other")+"-x"
	v.previewNamespace(mine, "preview", true)
	v.previewNamespace(theirs, "review", true)     // another manifest's template, same pattern
	v.previewNamespace(elsewhere, "preview", true) // same template name, another platform's pattern

	if got := v.list(); len(got) != 1 || got[mine].Name != mine {
		t.Errorf("preview list: %+v, want only %s", got, mine)
	}
	out, _ := v.x(ExitOK, "json", "preview", "gc")
	if got := v.decode(out); len(got) != 1 || got[mine].Action != "deleted" || strings.Contains(out, elsewhere) {
		t.Errorf("gc: %s", out)
	}
	if !v.gone(mine) || v.gone(theirs) || v.gone(elsewhere) {
		t.Errorf("after gc: mine gone %v, theirs gone %v, elsewhere gone %v; want only mine", v.gone(mine), v.gone(theirs), v.gone(elsewhere))
	}
	for ns, why := range map[string]string{theirs: `names template "review"`, elsewhere: "does not match this manifest's preview pattern"} {
		_, stderr := v.x(ExitUsage, "text", "preview", "delete", ns)
		if !strings.Contains(stderr, "is not a preview of this platform's") || !strings.Contains(stderr, why) || v.gone(ns) {
			t.Errorf("preview delete %s: %s", ns, stderr)
		}
	}
}

// TestIntegrationPreviewNeverDeletesNamedEnvironments: an expired preview
// namespace where a named environment deploys — placed by its kube
// context's namespace, or holding the records of a deploy --namespace —
// is neither collected nor deleted.
func TestIntegrationPreviewNeverDeletesNamedEnvironments(t *testing.T) {
	v := newPreviews(t, "zfront")
	// qa names no namespace: its kube context's is where it deploys.
	writeFile(t, filepath.Join(v.root, "k8s/overlays/qa/kustomization.yaml"), "resources: [../../base/zfront]\n")
	byContext, byFlag := v.prefix+"-ctx", v.prefix+"-flag"
	v.previewNamespace(byContext, "preview", true)
	v.previewNamespace(byFlag, "preview", true)
	// The record deploy --env staging --namespace byFlag leaves.
	store := &release.Store{Secrets: v.cs.CoreV1().Secrets(byFlag), Env: "staging"}
	if err := store.Create(t.Context(), &release.Record{Env: "staging", Revision: 1, Status: release.Deployed}); err != nil {
		t.Fatal(err)
	}
	kubeconfig := v.contextKubeconfig(byContext)

	code, out, stderr := v.runOutput(t.Context(), "json", "preview", "gc", "--kubeconfig", kubeconfig)
	if code != ExitUsage || !strings.Contains(stderr, "environment qa deploys to it") || !strings.Contains(stderr, "environment staging keeps its release records in it") {
		t.Errorf("preview gc: exit %d, want 2 naming qa and staging\n%s\n%s", code, out, stderr)
	}
	if v.gone(byContext) || v.gone(byFlag) {
		t.Fatalf("gc deleted a named environment's namespace: %s gone %v, %s gone %v", byContext, v.gone(byContext), byFlag, v.gone(byFlag))
	}
	for ns, env := range map[string]string{byContext: "qa", byFlag: "staging"} {
		code, _, stderr := v.runOutput(t.Context(), "text", "preview", "delete", "--kubeconfig", kubeconfig, ns)
		if code != ExitUsage || !strings.Contains(stderr, "environment "+env) || v.gone(ns) {
			t.Errorf("preview delete %s: exit %d\n%s", ns, code, stderr)
		}
	}
}

// TestIntegrationNamedDeployIntoPreviewRefused: a named environment is
// never deployed into a preview's namespace, however it is placed there —
// --namespace, its kube context — nor into a name the preview pattern can
// make: exit 2 before anything is applied or recorded.
func TestIntegrationNamedDeployIntoPreviewRefused(t *testing.T) {
	v := newPreviews(t, "zfront")
	v.pushRandom("zfront", v.remotes["zfront"].Head(t, "master"))
	writeFile(t, filepath.Join(v.root, "k8s/overlays/qa/kustomization.yaml"), "resources: [../../base/zfront]\n")
	preview, foreign := v.prefix+"-feat", testenv.UniqueName(t, "other")+"-feat"
	v.previewNamespace(preview, "preview", false)
	v.previewNamespace(foreign, "review", false)

	for _, tt := range []struct {
		name, ns, kubeconfig, why string
		args                      []string
	}{
		{name: "--namespace of a preview", ns: preview, why: "previews may take", args: []string{"--env", "staging", "--namespace", preview}},
		{name: "--namespace of another platform's preview", ns: foreign, why: "is labelled " + deploy.PreviewLabel, args: []string{"--env", "staging", "--namespace", foreign}},
		{name: "--namespace the pattern can make", ns: v.prefix + "-next", why: "previews may take", args: []string{"--env", "staging", "--namespace", v.prefix + "-next"}},
		{name: "the kube context's namespace", ns: preview, why: "previews may take", kubeconfig: v.contextKubeconfig(preview), args: []string{"--env", "qa"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			kubeconfig := tt.kubeconfig
			if kubeconfig == "" {
				kubeconfig = v.cluster.Kubeconfig
			}
			args := append([]string{"deploy", "--kubeconfig", kubeconfig, "--sync", "--timeout", "90s"}, tt.args...)
			code, _, stderr := v.runOutput(t.Context(), "json", args...)
			if code != ExitUsage || !strings.Contains(stderr, "would deploy to namespace "+tt.ns) || !strings.Contains(stderr, tt.why) ||
				!strings.Contains(stderr, "a namespace of its own") {
				t.Errorf("deploy %v: exit %d, want 2 and a refusal\n%s", tt.args, code, stderr)
			}
			deployments, err := v.cs.AppsV1().Deployments(tt.ns).List(t.Context(), metav1.ListOptions{})
			if err != nil || len(deployments.Items) != 0 {
				t.Errorf("a refused deploy applied objects in %s: %v %v", tt.ns, deployments, err)
			}
			secrets, err := v.cs.CoreV1().Secrets(tt.ns).List(t.Context(), metav1.ListOptions{LabelSelector: release.OwnerLabel + "=x-platform"})
			if err != nil || len(secrets.Items) != 0 {
				t.Errorf("a refused deploy recorded a release in %s: %v %v", tt.ns, secrets, err)
			}
		})
	}
}

// TestIntegrationPreviewGCSkipsDeployInProgress: an expired preview whose
// deploy lock is held (a deploy or rollback running, perhaps longer than
// the ttl) is skipped and said so; once the lock has expired, gc deletes it.
func TestIntegrationPreviewGCSkipsDeployInProgress(t *testing.T) {
	v := newPreviews(t, "zfront")
	busy := v.prefix + "-busy"
	v.previewNamespace(busy, "preview", true)
	holder, seconds, now := "ci-runner pid 7 run 0123abcd", int32(60), metav1.NewMicroTime(time.Now())
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "x-platform.lock." + busy, Namespace: busy},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &seconds, AcquireTime: &now, RenewTime: &now},
	}
	leases := v.cs.CoordinationV1().Leases(busy)
	if _, err := leases.Create(t.Context(), lease, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	out, stderr := v.x(ExitOK, "json", "preview", "gc")
	got := v.decode(out)
	if p := got[busy]; len(got) != 1 || p.Action != "skipped" || !strings.Contains(p.Reason, holder) {
		t.Errorf("gc while a deploy holds the lock: %s", out)
	}
	if !strings.Contains(stderr, "skipped expired preview "+busy) || v.gone(busy) {
		t.Fatalf("gc while a deploy holds the lock: gone %v\n%s", v.gone(busy), stderr)
	}
	var rep report.Previews
	if err := json.Unmarshal([]byte(out), &rep); err != nil || !rep.OK {
		t.Errorf("gc report: %v %s", err, out)
	}

	// The deploy died: its lock expires and gc takes the preview.
	cur, err := leases.Get(t.Context(), lease.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stale := metav1.NewMicroTime(time.Now().Add(-2 * time.Minute))
	cur.Spec.RenewTime = &stale
	if _, err := leases.Update(t.Context(), cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	out, _ = v.x(ExitOK, "json", "preview", "gc")
	if got := v.decode(out); got[busy].Action != "deleted" || !v.gone(busy) {
		t.Errorf("gc once the lock expired: %s", out)
	}
}
