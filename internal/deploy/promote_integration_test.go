package deploy

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/manifest"
)

// withProduction gives the live platform a production environment in a
// namespace of its own, its overlay naming the same bases as staging's.
// stagingDeployed adds production to l and deploys staging as the
// checkouts are; it returns staging, opened afresh, and production's
// namespace.
func (l *live) stagingDeployed() (*Environment, string) {
	l.t.Helper()
	prodNS := l.withProduction()
	staging, _ := l.open()
	if _, err := staging.Deploy(l.t.Context(), l.m.Services); err != nil {
		l.t.Fatalf("deploying staging: %v", err)
	}
	return staging, prodNS
}

func (l *live) withProduction() string {
	l.t.Helper()
	ns := l.cluster.Namespace(l.t)
	l.m.Environments = append(l.m.Environments, manifest.Environment{Name: "production", Namespace: ns})
	var overlay strings.Builder
	overlay.WriteString("resources:\n")
	for _, s := range l.m.Services {
		overlay.WriteString("- ../../base/" + s.Name + "\n")
	}
	writeFile(l.t, l.m.Root, "k8s/overlays/production/kustomization.yaml", overlay.String())
	return ns
}

// openProduction opens production as promote does: no registry and no
// checkouts to resolve images from.
func (l *live) openProduction(ns string) *Environment {
	l.t.Helper()
	e, err := Open(l.m, Target{Env: "production"})
	if err != nil {
		l.t.Fatal(err)
	}
	cl, err := kube.New(l.cluster.RESTConfig(), ns)
	if err != nil {
		l.t.Fatal(err)
	}
	e.Cluster, e.Rollout = cl, Rollout{Timeout: 90 * time.Second}
	return e
}

func (l *live) deployments(ns string) int {
	l.t.Helper()
	list, err := l.cluster.Clientset(l.t).AppsV1().Deployments(ns).List(l.t.Context(), metav1.ListOptions{})
	if err != nil {
		l.t.Fatal(err)
	}
	return len(list.Items)
}

// TestIntegrationPromote: production comes to run exactly the digests of
// staging's current release, with no checkout or registry asked, and its
// record names the staging revision it came from.
func TestIntegrationPromote(t *testing.T) {
	l := newLive(t, "a", "b")
	da := l.push("a", oldA)
	db := l.push("b", oldB)
	staging, prodNS := l.stagingDeployed()
	// Another commit is checked out now: promote must not look.
	l.push("a", newA)
	l.at = checkouts{}

	log := &requestLog{}
	staging = l.openEnv("staging", log)
	staging.Images, staging.Commits = nil, nil
	prod := l.openProduction(prodNS)
	out, err := prod.Promote(t.Context(), staging, nil)
	if err != nil || out.Revision != 1 || out.Status != release.Deployed {
		t.Fatalf("promote: %+v %v", out, err)
	}
	// staging's workloads are read with one List, not one Get each.
	if lists, gets := log.matching(regexp.MustCompile(`/deployments$`)), log.matching(regexp.MustCompile(`/deployments/.`)); len(lists) != 1 || len(gets) != 0 {
		t.Errorf("reading staging's workloads: lists %v, gets %v; want one list", lists, gets)
	}
	for name, digest := range map[string]string{"a": da, "b": db} {
		d, err := l.cluster.Clientset(t).AppsV1().Deployments(prodNS).Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if img, want := d.Spec.Template.Spec.Containers[0].Image, l.reg+"/"+name+"@"+digest; img != want {
			t.Errorf("production %s runs %s, want staging's %s", name, img, want)
		}
	}
	all, err := l.openProduction(prodNS).History(t.Context())
	if err != nil || len(all) != 1 {
		t.Fatalf("production history: %v %v", all, err)
	}
	if src := all[0].PromotedFrom; src == nil || *src != (release.Source{Env: "staging", Revision: 1}) {
		t.Errorf("production's record came from %+v, want staging revision 1", src)
	}
	if !strings.Contains(all[0].Description, "promote from staging revision 1") {
		t.Errorf("description %q does not name the source", all[0].Description)
	}
}

// TestIntegrationPromoteRefusesUnhealthySource: a source check that
// fails, a staging workload that is not ready or no longer runs its
// recorded image, a staging release that failed: each refuses the promote, and production is
// left untouched.
func TestIntegrationPromoteRefusesUnhealthySource(t *testing.T) {
	l := newLive(t, "a")
	l.push("a", oldA)
	staging, prodNS := l.stagingDeployed()
	refused := func(what string, check SourceCheck, want string) {
		t.Helper()
		staging, _ := l.open()
		out, err := l.openProduction(prodNS).Promote(t.Context(), staging, check)
		if out != nil || err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("promote with %s: %+v %v, want refused with %q", what, out, err, want)
		}
		if n := l.deployments(prodNS); n != 0 {
			t.Errorf("promote with %s applied %d deployments to production", what, n)
		}
	}

	tests := errors.New("post-deploy tests failed")
	refused("a failing source check", func(context.Context, *release.Record) error { return tests }, "post-deploy tests failed")

	crash := `{"spec":{"template":{"metadata":{"labels":{"x-platform.test/waiting-reason":"CrashLoopBackOff"}}}}}`
	if _, err := l.cluster.Clientset(t).AppsV1().Deployments(l.ns).Patch(t.Context(), "a", types.StrategicMergePatchType, []byte(crash), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	refused("a workload that is not ready", nil, "deployment/a is not ready")

	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"` + l.reg + `/a:hotfix"}]}}}}`
	if _, err := l.cluster.Clientset(t).AppsV1().Deployments(l.ns).Patch(t.Context(), "a", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	refused("a workload patched by hand", nil, "deployment/a runs "+l.reg+"/a:hotfix")

	writeFile(t, l.m.Root, "k8s/overlays/staging/kustomization.yaml", crashingA)
	staging, _ = l.open()
	// The hand patch owns the image now: take it back.
	staging.Rollout.NoRollback, staging.Rollout.ForceConflicts = true, true
	if _, err := staging.Deploy(t.Context(), l.m.Services); !errors.As(err, new(*RolloutError)) {
		t.Fatalf("a crashing deploy to staging: %v, want a failed rollout", err)
	}
	refused("a failed staging release", nil, "its latest release is failed")
}

// TestIntegrationPromoteCheck: the target's Check (signatures) sees the
// promoted images and refuses them before anything is applied.
func TestIntegrationPromoteCheck(t *testing.T) {
	l := newLive(t, "a")
	l.push("a", oldA)
	staging, prodNS := l.stagingDeployed()
	staging, _ = l.open()
	prod := l.openProduction(prodNS)
	rec := &checkRecorder{err: errors.New("image not signed")}
	prod.Check = rec.check
	out, err := prod.Promote(t.Context(), staging, nil)
	if out != nil || !errors.Is(err, rec.err) {
		t.Fatalf("promote of unsigned images: %+v %v", out, err)
	}
	if len(rec.seen) != 1 || rec.seen[0][0].Commit != oldA || rec.seen[0][0].ImageName != "a" {
		t.Errorf("the check saw %+v, want a@%s", rec.seen, oldA)
	}
	if n := l.deployments(prodNS); n != 0 {
		t.Errorf("a refused promote applied %d deployments", n)
	}
}
