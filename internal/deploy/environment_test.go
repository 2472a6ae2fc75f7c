package deploy

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/manifest"
)

const testRegistry = "reg.example.com/x"

var (
	oldA, newA = strings.Repeat("a", 40), strings.Repeat("1", 40)
	oldB, newB = strings.Repeat("b", 40), strings.Repeat("2", 40)
)

// openTest opens env of m with fakes wired: the checkouts at newA and
// newB, a registry holding images for every commit above, a counting
// renderer and the fake cluster.
func openTest(t *testing.T, m *manifest.Manifest, env string, fc *fakeCluster) (*Environment, *countingRenderer) {
	t.Helper()
	e, err := Open(m, Target{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	reg := registry{}
	for _, s := range []release.Service{service("a", oldA), service("a", newA), service("b", oldB), service("b", newB)} {
		reg[s.Image.String()] = s.Digest
		reg[testRegistry+"/"+s.Name+"@"+s.Digest] = s.Digest
	}
	counter := &countingRenderer{root: e.Root}
	e.Images, e.Commits, e.Renderer = reg, checkouts{"a": newA, "b": newB}.commit, counter
	e.Cluster = fc.Cluster
	return e, counter
}

// service is a version of a service whose image is in the test registry.
func service(name, commit string) release.Service {
	digest := "sha256:" + strings.Repeat(fmt.Sprintf("%x", name[0]), 16) + commit[:32]
	return release.Service{Name: name, Commit: commit, Reference: "origin/master", Tag: commit, Image: image.Cut(testRegistry + "/" + name + ":" + commit), Digest: digest}
}

// TestEnvironmentCheckStopsDeploy: a failing Check sees the final images —
// those resolved for the services deployed, those running for the others —
// and stops the deploy before anything is written to the cluster, after
// exactly one render.
func TestEnvironmentCheckStopsDeploy(t *testing.T) {
	t.Parallel()
	blocked := errors.New("image not signed")
	tests := []struct {
		name     string
		selected []string
		want     []release.Service
	}{
		{"all", []string{"a", "b"}, []release.Service{service("a", newA), service("b", newB)}},
		{"one", []string{"a"}, []release.Service{service("a", newA), service("b", oldB)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := newPlatform(t, testRegistry, "x-staging", "a", "b")
			fc := newFakeCluster("default")
			fc.record(t, "x-staging", &release.Record{Revision: 1, Status: release.Deployed, Services: []release.Service{service("a", oldA), service("b", oldB)}})
			fc.reset()
			e, counter := openTest(t, m, "staging", fc)
			rec := &checkRecorder{err: blocked}
			e.Check = rec.check
			var sel []*manifest.Service
			for _, s := range m.Services {
				if slices.Contains(tt.selected, s.Name) {
					sel = append(sel, s)
				}
			}

			out, err := e.Deploy(t.Context(), sel)
			if out != nil || !errors.Is(err, blocked) || !strings.Contains(err.Error(), "nothing was applied") {
				t.Fatalf("Deploy = %+v, %v; want no outcome and the check's error", out, err)
			}
			if len(rec.seen) != 1 {
				t.Fatalf("Check ran %d times, want once", len(rec.seen))
			}
			for i, v := range rec.seen[0] {
				if v.Service != tt.want[i] || v.ImageName != v.Name {
					t.Errorf("Check saw %+v, want %+v named %s", v, tt.want[i], tt.want[i].Name)
				}
			}
			if w := fc.writes(); len(w) > 0 {
				t.Errorf("the cluster was changed: %v", w)
			}
			if n := counter.count("staging"); n != 1 {
				t.Errorf("staging rendered %d times, want once", n)
			}
		})
	}
}

// TestEnvironmentCheckStopsRollback: a rollback runs Check on the images
// of the release it would restore, named as the manifest names them, and
// a failing one leaves records and objects as they were.
func TestEnvironmentCheckStopsRollback(t *testing.T) {
	t.Parallel()
	m := newPlatform(t, testRegistry, "x-staging", "a", "b")
	fc := newFakeCluster("default")
	yaml := []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: x-staging}\n")
	fc.record(t, "x-staging", &release.Record{Revision: 1, Status: release.Deployed, Services: []release.Service{service("a", oldA), service("b", oldB)}, Manifest: yaml})
	fc.record(t, "x-staging", &release.Record{Revision: 2, Status: release.Deployed, Services: []release.Service{service("a", newA), service("b", newB)}, Manifest: yaml})
	fc.reset()
	e, counter := openTest(t, m, "staging", fc)
	blocked := errors.New("image not signed")
	rec := &checkRecorder{err: blocked}
	e.Check = rec.check

	out, err := e.Rollback(t.Context(), 0)
	if out != nil || !errors.Is(err, blocked) || !strings.Contains(err.Error(), "not rolling back to revision 1") {
		t.Fatalf("Rollback = %+v, %v; want no outcome and the check's error", out, err)
	}
	if len(rec.seen) != 1 || len(rec.seen[0]) != 2 {
		t.Fatalf("Check saw %+v, want revision 1's two services", rec.seen)
	}
	for i, want := range []release.Service{service("a", oldA), service("b", oldB)} {
		if v := rec.seen[0][i]; v.Service != want || v.ImageName != want.Name {
			t.Errorf("Check saw %+v, want %+v named %s", v, want, want.Name)
		}
	}
	for _, w := range fc.writes() {
		if !strings.HasSuffix(w, " leases") {
			t.Errorf("the cluster was changed: %s", w)
		}
	}
	all, err := e.History(t.Context())
	if err != nil || len(all) != 2 || all[0].Status != release.Superseded || all[1].Status != release.Deployed {
		t.Errorf("history after the refused rollback: %v %v", all, err)
	}
	if n := counter.count("staging"); n != 0 {
		t.Errorf("a rollback to a namespace named in the manifest rendered %d times", n)
	}
}

// TestEnvironmentNamespace: where records live when the manifest names no
// namespace — the overlay's, else the kube context's, else default — read
// from the command's one render.
func TestEnvironmentNamespace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, overlay, context, want string
	}{
		{"overlay", "namespace: from-overlay\n", "from-context", "from-overlay"},
		{"context", "", "from-context", "from-context"},
		{"default", "", "", "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := newPlatform(t, testRegistry, "", "a", "b")
			writeFile(t, m.Root, "k8s/overlays/staging/kustomization.yaml", tt.overlay+"resources: [../../base/a, ../../base/b]\n")
			fc := newFakeCluster(tt.context)
			fc.NamespaceExplicit = tt.context != ""
			e, counter := openTest(t, m, "staging", fc)
			e.Check = (&checkRecorder{err: errors.New("stop")}).check
			if _, err := e.Deploy(t.Context(), m.Services); err == nil || err.Error() != "checking the images to deploy, nothing was applied: stop" {
				t.Fatalf("Deploy: %v", err)
			}
			ns, err := e.Namespace(t.Context())
			if err != nil || ns != tt.want {
				t.Errorf("Namespace = %q, %v; want %q", ns, err, tt.want)
			}
			if n := counter.count("staging"); n != 1 {
				t.Errorf("staging rendered %d times, want once", n)
			}
		})
	}
}

// TestEnvironmentRefusesSharedNamespace: an environment whose namespace
// another one names on the same context is refused before the cluster is
// asked anything.
func TestEnvironmentRefusesSharedNamespace(t *testing.T) {
	t.Parallel()
	m := newPlatform(t, testRegistry, "x-staging", "a", "b")
	writeFile(t, m.Root, "k8s/overlays/qa/kustomization.yaml", "namespace: x-staging\nresources: [../../base/a]\n")
	fc := newFakeCluster("default")
	for _, env := range []string{"staging", "qa"} {
		e, _ := openTest(t, m, env, fc)
		_, derr := e.Deploy(t.Context(), m.Services)
		_, rerr := e.Rollback(t.Context(), 0)
		for _, err := range []error{derr, rerr} {
			if !IsConfigError(err) || !strings.Contains(err.Error(), "both deploy to namespace x-staging") {
				t.Errorf("%s: %v, want the shared namespace refused", env, err)
			}
		}
	}
	if n := len(fc.cs.Actions()) + len(fc.dyn.Actions()); n > 0 {
		t.Errorf("the cluster was asked %d things", n)
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	m := newPlatform(t, testRegistry, "x-staging", "a")
	m.Environments[0].Context = "ctx"
	e, err := Open(m, Target{Env: "staging", Namespace: "other"})
	if err != nil || e.Settings.Namespace != "other" || e.Settings.Context != "ctx" || e.Root != filepath.Join(m.Root, KustomizeDir) {
		t.Errorf("Open = %+v, %v", e, err)
	}
	var ue *render.UnknownEnvError
	if _, err := Open(m, Target{Env: "qa"}); !errors.As(err, &ue) || !slices.Equal(ue.Known, []string{"staging"}) {
		t.Errorf("Open of an environment without an overlay: %v", err)
	}
}

// TestEnvironmentResolve: versions come from the lock file when locked,
// else from checkouts synced first and the registry.
func TestEnvironmentResolve(t *testing.T) {
	t.Parallel()
	m := newPlatform(t, testRegistry, "x-staging", "a", "b")
	e, _ := openTest(t, m, "staging", newFakeCluster("default"))
	var order []string
	e.Sync = func(_ context.Context, services []*manifest.Service) (func(), error) {
		order = append(order, "sync "+services[0].Name)
		return func() { order = append(order, "done") }, nil
	}
	commits := e.Commits
	e.Commits = func(s *manifest.Service) (string, error) {
		order = append(order, "read "+s.Name)
		return commits(s)
	}
	got, err := e.Resolve(t.Context(), m.Services[:1])
	if err != nil || len(got) != 1 || got[0].Service != service("a", newA) {
		t.Errorf("Resolve = %+v, %v", got, err)
	}
	if strings.Join(order, ",") != "sync a,read a,done" {
		t.Errorf("order %v: checkouts must be synced, then read, then let go", order)
	}

	e.Locked = true
	if _, err := e.Resolve(t.Context(), m.Services); !IsConfigError(err) || !errors.Is(err, lock.ErrNoLock) {
		t.Errorf("Resolve without a lock file: %v", err)
	}
	f := &lock.File{Registry: testRegistry, Services: map[string]lock.Entry{}}
	for _, s := range []release.Service{service("a", oldA), service("b", oldB)} {
		f.Services[s.Name] = lock.Entry{Reference: s.Reference, Commit: s.Commit, Image: image.Cut(s.Image.String()), Digest: s.Digest}
	}
	if err := lock.Write(lock.Path(m), f); err != nil {
		t.Fatal(err)
	}
	got, err = e.Resolve(t.Context(), m.Services)
	if err != nil || len(got) != 2 || got[0].Service != service("a", oldA) || got[1].Service != service("b", oldB) || got[1].ImageName != "b" {
		t.Errorf("Resolve locked = %+v, %v", got, err)
	}
}
