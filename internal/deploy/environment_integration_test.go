package deploy

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/testenv"
)

// live is a platform deploying to the test cluster, with images in a real
// registry.
type live struct {
	t       *testing.T
	cluster *testenv.ClusterEnv
	ns, reg string
	m       *manifest.Manifest
	at      checkouts
}

// crashingA is staging's overlay with a's pods crash-looping on the test
// cluster, so that a rollout of a fails.
const crashingA = `resources: [../../base/a]
patches:
- target: {kind: Deployment, name: a}
  patch: |-
    - op: add
      path: /spec/template/metadata/labels/x-platform.test~1waiting-reason
      value: CrashLoopBackOff
`

func newLive(t *testing.T, services ...string) *live {
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // the registry client reads no real ~/.docker
	cluster := testenv.Cluster(t)
	ns := cluster.Namespace(t)
	reg := testenv.Registry(t) + "/" + testenv.UniqueName(t, "x")
	return &live{t: t, cluster: cluster, ns: ns, reg: reg, m: newPlatform(t, reg, ns, services...), at: checkouts{}}
}

// push puts a random image for service at commit in the registry, checks
// the service out at commit and returns the image's digest.
func (l *live) push(service, commit string) string {
	l.t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		l.t.Fatal(err)
	}
	tag, err := name.NewTag(l.reg + "/" + service + ":" + commit)
	if err != nil {
		l.t.Fatal(err)
	}
	if err := remote.Write(tag, img, remote.WithContext(l.t.Context())); err != nil {
		l.t.Fatalf("pushing %s: %v", tag, err)
	}
	d, err := img.Digest()
	if err != nil {
		l.t.Fatal(err)
	}
	l.at[service] = commit
	return d.String()
}

// open opens staging afresh, as each command does.
func (l *live) open() (*Environment, *countingRenderer) {
	l.t.Helper()
	e, err := Open(l.m, Target{Env: "staging"})
	if err != nil {
		l.t.Fatal(err)
	}
	cl, err := kube.New(l.cluster.RESTConfig(), l.ns)
	if err != nil {
		l.t.Fatal(err)
	}
	counter := &countingRenderer{root: e.Root}
	e.Images, e.Commits, e.Renderer, e.Cluster = image.NewRegistry(), l.at.commit, counter, cl
	e.Rollout = Rollout{Timeout: 90 * time.Second}
	return e, counter
}

func (l *live) image(deployment string) string {
	l.t.Helper()
	d, err := l.cluster.Clientset(l.t).AppsV1().Deployments(l.ns).Get(l.t.Context(), deployment, metav1.GetOptions{})
	if err != nil {
		l.t.Fatal(err)
	}
	return d.Spec.Template.Spec.Containers[0].Image
}

// TestIntegrationEnvironmentRendersOnce: each command opens the
// environment afresh, as the command line does, and renders the overlay at
// most once — a deploy of every service, a deploy of one (the other kept
// at its deployed version), a diff — while history and rollback, whose
// namespace the manifest names, render nothing.
func TestIntegrationEnvironmentRendersOnce(t *testing.T) {
	l := newLive(t, "a", "b")
	first := l.push("a", oldA)
	l.push("b", oldB)
	renders := func(what string, c *countingRenderer, want int) {
		t.Helper()
		if n := c.count("staging"); n != want {
			t.Errorf("%s rendered staging %d times, want %d", what, n, want)
		}
	}

	e, c := l.open()
	out, err := e.Deploy(t.Context(), l.m.Services)
	if err != nil || out.Revision != 1 || out.Namespace != l.ns {
		t.Fatalf("first deploy: %+v %v", out, err)
	}
	renders("deploy", c, 1)

	l.push("a", newA)
	e, c = l.open()
	out, err = e.Deploy(t.Context(), []*manifest.Service{l.m.Services[0]})
	if err != nil || out.Revision != 2 {
		t.Fatalf("deploy --services a: %+v %v", out, err)
	}
	if a, b := out.Versions[0], out.Versions[1]; a.Commit != newA || b.Commit != oldB {
		t.Errorf("deploy --services a ran a@%s b@%s, want a@%s b@%s", a.Commit, b.Commit, newA, oldB)
	}
	renders("deploy of one service", c, 1)

	e, c = l.open()
	changes, err := e.Diff(t.Context(), e.Manifest.Services)
	if err != nil || len(changes) != 0 {
		t.Errorf("diff after deploying: %+v %v", changes, err)
	}
	renders("diff", c, 1)

	e, c = l.open()
	all, err := e.History(t.Context())
	if err != nil || len(all) != 2 || all[1].Status != release.Deployed {
		t.Fatalf("history: %v %v", all, err)
	}
	out, err = e.Rollback(t.Context(), 0)
	if err != nil || out.Revision != 3 || out.Versions[0].Commit != oldA {
		t.Fatalf("rollback: %+v %v", out, err)
	}
	renders("history and rollback", c, 0)
	if img := l.image("a"); img != l.reg+"/a@"+first {
		t.Errorf("a runs %s after the rollback, want %s", img, l.reg+"/a@"+first)
	}
}

// TestIntegrationEnvironmentCheckStopsAutomaticRollback: when a rollout
// fails, the release to restore goes through Check too; refused, it is
// not re-applied and the error says why.
func TestIntegrationEnvironmentCheckStopsAutomaticRollback(t *testing.T) {
	l := newLive(t, "a")
	l.push("a", oldA)
	e, _ := l.open()
	if _, err := e.Deploy(t.Context(), l.m.Services); err != nil {
		t.Fatalf("first deploy: %v", err)
	}

	crashing := l.push("a", newA)
	writeFile(t, l.m.Root, "k8s/overlays/staging/kustomization.yaml", crashingA)
	blocked := errors.New("image not signed")
	e, _ = l.open()
	e.Check = func(_ context.Context, versions []Version) error {
		if versions[0].Commit == oldA {
			return blocked
		}
		return nil
	}
	out, err := e.Deploy(t.Context(), l.m.Services)
	var re *RolloutError
	if !errors.As(err, &re) || out == nil || !errors.Is(out.NotRestored, blocked) || out.Rollback != nil {
		t.Fatalf("deploy of a crashing release whose predecessor the check refuses: %+v %v", out, err)
	}
	if img := l.image("a"); img != l.reg+"/a@"+crashing {
		t.Errorf("a runs %s, want the failed release left in place", img)
	}
	all, err := e.History(t.Context())
	if err != nil || len(all) != 2 || all[0].Status != release.Deployed || all[1].Status != release.Failed {
		t.Errorf("history: %v %v", all, err)
	}
}
