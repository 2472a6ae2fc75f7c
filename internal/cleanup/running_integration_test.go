package cleanup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/testenv"
)

// forgetRecords deletes the release records in ns when the test ends,
// before its namespace goes: a namespace is deleted in the background, and
// cleanup finds records by label in every namespace of the shared cluster.
func (f *fixture) forgetRecords(ns string) {
	f.t.Cleanup(func() {
		err := f.cs.CoreV1().Secrets(ns).DeleteCollection(context.Background(), metav1.DeleteOptions{},
			metav1.ListOptions{LabelSelector: release.OwnerLabel + "=x-platform"})
		if err != nil {
			f.t.Errorf("deleting the release records in %s: %v", ns, err)
		}
	})
}

// recordIn writes a release record of env in namespace ns naming image
// (a full reference) at digest.
func (f *fixture) recordIn(ns, env string, revision int, status release.Status, img, digest string) {
	f.t.Helper()
	store := &release.Store{Secrets: f.cs.CoreV1().Secrets(ns), Env: env}
	r := &release.Record{Revision: revision, Status: status, Time: time.Now(),
		Services: []release.Service{{Name: "a", Commit: strings.Repeat("c", 40), Image: image.Cut(img), Digest: digest}}}
	if err := store.Create(f.t.Context(), r); err != nil {
		f.t.Fatal(err)
	}
	if ns != f.ns {
		f.forgetRecords(ns)
	}
}

// overlay writes the overlay of env below the fixture's k8s folder.
func (f *fixture) overlay(env string, files map[string]string) {
	f.t.Helper()
	for name, text := range files {
		p := filepath.Join(f.root, "k8s", "overlays", env, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
}

// deployment runs image in namespace ns as Deployment name, applied by
// hand: no release record names it.
func (f *fixture) deployment(ns, name, image string) {
	f.t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: image}}},
			},
		},
	}
	if _, err := f.cs.AppsV1().Deployments(ns).Create(f.t.Context(), d, metav1.CreateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) plan(o Options) *Result {
	f.t.Helper()
	res, err := Plan(f.t.Context(), o)
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func wantKept(t *testing.T, res *Result, digest, reason string) {
	t.Helper()
	keep, del := planned(t, res)
	if _, ok := del[digest]; ok {
		t.Errorf("%s would be deleted (%v), want it kept for %q", digest, del[digest], reason)
		return
	}
	if got := strings.Join(keep[digest], "; "); !strings.Contains(got, reason) {
		t.Errorf("%s kept for %q, want %q", digest, got, reason)
	}
}

func refusals(res *Result) string {
	var out []string
	for _, rp := range res.Plan.Repositories {
		out = append(out, rp.Refused)
	}
	return strings.Join(out, "\n")
}

// TestIntegrationOverlayOnlyEnvironment reads the releases of an overlay
// that has no environments: entry, which deploy --env reaches with the
// current kube context and the overlay's namespace; an overlay that does
// not render counts as unreachable.
func TestIntegrationOverlayOnlyEnvironment(t *testing.T) {
	f := newFixture(t, "")
	prodNS := testenv.Cluster(t).Namespace(t)
	f.overlay("production", map[string]string{
		"kustomization.yaml": "namespace: " + prodNS + "\nresources: [config.yaml]\n",
		"config.yaml":        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n",
	})
	f.sync()
	staging := f.push(old(), strings.Repeat("1", 40))
	f.record(1, release.Deployed, strings.Repeat("1", 40), staging)
	prod := f.push(old(), strings.Repeat("2", 40))
	f.recordIn(prodNS, "production", 1, release.Deployed, f.registry+"/a:"+strings.Repeat("2", 40), prod)

	res := f.plan(f.options())
	wantKept(t, res, prod, "release 1 of production (deployed)")
	wantKept(t, res, staging, "release 1 of staging (deployed)")
	if r := refusals(res); strings.TrimSpace(r) != "" || len(res.Unreachable) > 0 {
		t.Errorf("refused %q, unreachable %+v; want neither", r, res.Unreachable)
	}

	f.overlay("broken", map[string]string{"kustomization.yaml": "resources: [missing.yaml]\n"})
	res = f.plan(f.options())
	if len(res.Unreachable) != 1 || res.Unreachable[0].Env != "broken" {
		t.Fatalf("unreachable %+v, want the overlay that does not render", res.Unreachable)
	}
	if r := refusals(res); !strings.Contains(r, "environment broken could not be read") {
		t.Errorf("refused %q, want the unrendered overlay named", r)
	}
}

// TestIntegrationRecordsInAnotherNamespace finds the records a deploy with
// --namespace wrote away from the namespace the manifest names.
func TestIntegrationRecordsInAnotherNamespace(t *testing.T) {
	f := newFixture(t, "")
	elsewhere := testenv.Cluster(t).Namespace(t)
	f.sync()
	running := f.push(old(), strings.Repeat("3", 40))
	f.recordIn(elsewhere, "staging", 1, release.Deployed, f.registry+"/a:"+strings.Repeat("3", 40), running)
	res := f.plan(f.options())
	wantKept(t, res, running, "release 1 of staging (deployed)")
	if r := refusals(res); strings.TrimSpace(r) != "" {
		t.Errorf("refused %q, want no refusal", r)
	}
}

// TestIntegrationKeepsWhatRuns keeps the image a workload runs though no
// release record names it, in the plan and again just before a delete.
func TestIntegrationKeepsWhatRuns(t *testing.T) {
	f := newFixture(t, "")
	f.sync()
	recorded := f.push(old(), strings.Repeat("4", 40))
	f.record(1, release.Deployed, strings.Repeat("4", 40), recorded)
	byHand := f.push(old(), "hotfix")
	f.deployment(f.ns, "web", f.registry+"/a:hotfix@"+byHand)
	late := f.push(old(), strings.Repeat("5", 40))

	o := f.options()
	res := f.plan(o)
	wantKept(t, res, byHand, "running in staging (deployment "+f.ns+"/web)")
	if _, del := planned(t, res); del[late] == nil {
		t.Fatalf("%s is not planned for deletion", late)
	}

	// Started after the plan, under another spelling of the registry.
	other := strings.Replace(f.registry, "127.0.0.1", "localhost", 1)
	if other == f.registry {
		t.Fatalf("registry %s is not on 127.0.0.1", f.registry)
	}
	f.deployment(f.ns, "late", other+"/a@"+late)
	rep := Apply(t.Context(), res, o)
	got := outcomes(rep)
	if o := got[late]; o.Done || !strings.Contains(o.Kept, "running in staging (deployment "+f.ns+"/late) now") {
		t.Errorf("late: %+v, want it kept for the deployment started since the plan", o)
	}
	if !strings.Contains(f.tags(), strings.Repeat("5", 40)) {
		t.Errorf("tags %s: the running image's tag was deleted", f.tags())
	}
}

// TestIntegrationRefusesWithoutRecords refuses deletes when an environment
// answers but holds no record, or records images under another spelling
// of the registry.
func TestIntegrationRefusesWithoutRecords(t *testing.T) {
	f := newFixture(t, "")
	f.sync()
	img := f.push(old(), strings.Repeat("6", 40))
	spare := f.push(old(), strings.Repeat("7", 40))

	res := f.plan(f.options())
	if r := refusals(res); !strings.Contains(r, "environment staging has no release record in any namespace of its cluster") || !strings.Contains(r, "--skip-unreachable") {
		t.Errorf("refused %q, want staging named with no records", r)
	}
	o := f.options()
	o.SkipUnreachable = true
	res = f.plan(o)
	if r := refusals(res); strings.TrimSpace(r) != "" || !strings.Contains(strings.Join(res.Notes, "\n"), "environment staging has no release record") {
		t.Errorf("with --skip-unreachable: refused %q, notes %q; want a note only", r, res.Notes)
	}

	other := strings.Replace(f.registry, "127.0.0.1", "localhost", 1)
	f.recordIn(f.ns, "staging", 1, release.Deployed, other+"/a:"+strings.Repeat("6", 40), img)
	res = f.plan(f.options())
	want := "release 1 of staging names its image as " + other + "/a:" + strings.Repeat("6", 40) + ", outside registry " + f.registry
	if r := refusals(res); !strings.Contains(r, want) {
		t.Errorf("refused %q, want %q", r, want)
	}
	wantKept(t, res, img, "release 1 of staging (deployed)")
	rep := Apply(t.Context(), res, f.options())
	if o := outcomes(rep)[spare]; !rep.Failed() || o.Done || o.Refused == "" || !strings.Contains(f.tags(), strings.Repeat("7", 40)) {
		t.Errorf("apply %+v, tags %s: want the delete of %s refused", rep, f.tags(), spare)
	}
}
