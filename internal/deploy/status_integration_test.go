package deploy

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
)

// requestLog records the paths of the GET requests a client sends.
type requestLog struct {
	mu    sync.Mutex
	paths []string
}

func (r *requestLog) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if req.Method == http.MethodGet {
			r.mu.Lock()
			r.paths = append(r.paths, req.URL.Path)
			r.mu.Unlock()
		}
		return rt.RoundTrip(req)
	})
}

func (r *requestLog) matching(re *regexp.Regexp) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, p := range r.paths {
		if re.MatchString(p) {
			out = append(out, p)
		}
	}
	return out
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// openEnv opens env afresh, its requests counted in log when not nil.
func (l *live) openEnv(env string, log *requestLog) *Environment {
	l.t.Helper()
	e, err := Open(l.m, Target{Env: env})
	if err != nil {
		l.t.Fatal(err)
	}
	cfg := l.cluster.RESTConfig()
	if log != nil {
		cfg.WrapTransport = log.wrap
	}
	ns, _ := l.m.Environment(env)
	if e.Cluster, err = kube.New(cfg, ns.Namespace); err != nil {
		l.t.Fatal(err)
	}
	e.Images, e.Commits, e.Rollout = image.NewRegistry(), l.at.commit, Rollout{Timeout: 90 * time.Second}
	e.Ancestry = history
	return e
}

// history is the services' fake git history: oldA before newA, oldB
// before newB; any other commit is on a line of its own.
func history(_ *manifest.Service, ancestor, descendant string) (bool, error) {
	return ancestor == descendant || ancestor == oldA && descendant == newA || ancestor == oldB && descendant == newB, nil
}

// status reads env's status, its requests counted in log when not nil.
func (l *live) status(env string, log *requestLog) *EnvStatus {
	return l.statusWith(env, log, StatusOptions{})
}

func (l *live) statusWith(env string, log *requestLog, opts StatusOptions) *EnvStatus {
	l.t.Helper()
	st, err := l.openEnv(env, log).Status(l.t.Context(), l.m.Services, opts)
	if err != nil {
		l.t.Fatalf("status of %s: %v", env, err)
	}
	return st
}

func serviceIn(t *testing.T, st *EnvStatus, name string) ServiceStatus {
	t.Helper()
	for _, s := range st.Services {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no service %s in the status of %s: %+v", name, st.Name, st.Services)
	return ServiceStatus{}
}

// TestIntegrationStatus deploys two services to two environments and
// changes the live objects behind the deploys' back with client-go: a
// replica count and an image show as drift in the environment changed
// only, a deleted Deployment as missing, a newer image as behind.
func TestIntegrationStatus(t *testing.T) {
	l := newLive(t, "a", "b")
	prodNS := l.cluster.Namespace(t)
	l.m.Environments = append(l.m.Environments, manifest.Environment{Name: "prod", Namespace: prodNS})
	writeFile(t, l.m.Root, "k8s/overlays/prod/kustomization.yaml", "resources: [../../base/a, ../../base/b]\n")
	digestA := l.push("a", oldA)
	digestB := l.push("b", oldB)
	for _, env := range []string{"staging", "prod"} {
		if _, err := l.openEnv(env, nil).Deploy(t.Context(), l.m.Services); err != nil {
			t.Fatalf("deploying %s: %v", env, err)
		}
	}

	log := &requestLog{}
	for _, env := range []string{"staging", "prod"} {
		st := l.status(env, log)
		if st.Revision != 1 || st.Time.IsZero() || len(st.Drifted) != 0 || len(st.Warnings) != 0 {
			t.Errorf("%s after deploying: revision %d at %v, drifted %+v, warnings %v", env, st.Revision, st.Time, st.Drifted, st.Warnings)
		}
		for name, digest := range map[string]string{"a": digestA, "b": digestB} {
			s := serviceIn(t, st, name)
			if len(s.Flags) != 0 || s.Running != digest || s.Pinned != digest || s.Digest != digest {
				t.Errorf("%s/%s after deploying: %+v, want no flags, running and pinned %s", env, name, s, digest)
			}
		}
	}
	if st := l.statusWith("staging", nil, StatusOptions{DryRun: true}); len(st.Drifted) != 0 || len(st.Warnings) != 0 {
		t.Errorf("dry run after deploying: drifted %+v, warnings %v", st.Drifted, st.Warnings)
	}
	// Two services, two namespaces: one list of Deployments in each, and
	// not one read of a single Deployment.
	if lists := log.matching(regexp.MustCompile(`/deployments$`)); len(lists) != 2 {
		t.Errorf("listed Deployments %d times, want once per namespace: %v", len(lists), lists)
	}
	if gets := log.matching(regexp.MustCompile(`/deployments/.`)); len(gets) != 0 {
		t.Errorf("read single Deployments: %v", gets)
	}

	ctx := t.Context()
	deployments := l.cluster.Clientset(t).AppsV1().Deployments(l.ns)
	if _, err := deployments.Patch(ctx, "a", types.MergePatchType, []byte(`{"spec":{"replicas":5}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	other := l.push("b", "cccccccccccccccccccccccccccccccccccccccc")
	l.at["b"] = oldB // the checkout stays where it was deployed
	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"` + l.reg + "/b@" + other + `"}]}}}}`
	if _, err := deployments.Patch(ctx, "b", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := l.cluster.Clientset(t).AppsV1().Deployments(prodNS).Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	staging := l.status("staging", nil)
	if a := serviceIn(t, staging, "a"); !slices.Equal(a.Flags, []string{FlagDrift}) || a.Running != digestA {
		t.Errorf("staging/a with 5 replicas: %+v, want drift running %s", a, digestA)
	}
	if b := serviceIn(t, staging, "b"); !slices.Equal(b.Flags, []string{FlagDrift}) || b.Running != other || b.Digest != digestB {
		t.Errorf("staging/b with another image: %+v, want drift running %s released %s", b, other, digestB)
	}
	if len(staging.Drifted) != 2 {
		t.Errorf("staging drifted objects: %+v, want a and b", staging.Drifted)
	}
	for _, d := range staging.Drifted {
		if d.Ref.Name == "a" && !slices.Equal(d.Fields, []string{".spec.replicas"}) {
			t.Errorf("deployment a drifted in %v, want .spec.replicas", d.Fields)
		}
	}
	dry := l.statusWith("staging", nil, StatusOptions{DryRun: true})
	if len(dry.Drifted) != 2 || len(dry.Warnings) != 0 {
		t.Errorf("staging drifted by dry run: %+v, warnings %v, want a and b", dry.Drifted, dry.Warnings)
	}
	for _, name := range []string{"a", "b"} {
		if s := serviceIn(t, dry, name); !slices.Equal(s.Flags, []string{FlagDrift}) {
			t.Errorf("staging/%s by dry run: %+v, want drift", name, s)
		}
	}
	prod := l.status("prod", nil)
	if a := serviceIn(t, prod, "a"); !slices.Equal(a.Flags, []string{FlagMissing}) || a.Running != "" {
		t.Errorf("prod/a deleted: %+v, want missing", a)
	}
	if b := serviceIn(t, prod, "b"); len(b.Flags) != 0 {
		t.Errorf("prod/b untouched: %+v, want no flags", b)
	}
	if len(prod.Drifted) != 1 || !prod.Drifted[0].Gone || prod.Drifted[0].Ref.Name != "a" {
		t.Errorf("prod drifted objects: %+v, want deployment a gone", prod.Drifted)
	}

	if dry := l.statusWith("prod", nil, StatusOptions{DryRun: true}); len(dry.Drifted) != 1 || !dry.Drifted[0].Gone {
		t.Errorf("prod drifted by dry run: %+v, warnings %v, want deployment a gone", dry.Drifted, dry.Warnings)
	}

	newer := l.push("b", newB)
	st := l.status("prod", nil)
	if b := serviceIn(t, st, "b"); !slices.Equal(b.Flags, []string{FlagBehind}) || b.Pinned != newer || b.PinnedCommit != newB || len(st.Warnings) != 0 {
		t.Errorf("prod/b with a newer image: %+v, warnings %v, want behind, pinned %s", b, st.Warnings, newer)
	}
	// A reference moved to a commit apart from the released one (a force
	// push, a tag moved back) is not behind, and status says why.
	l.at["b"] = "cccccccccccccccccccccccccccccccccccccccc"
	st = l.status("prod", nil)
	if b := serviceIn(t, st, "b"); len(b.Flags) != 0 || b.Pinned != other || len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "not in the history") {
		t.Errorf("prod/b pinned apart from its release: %+v, warnings %v, want no flags and a warning", b, st.Warnings)
	}
}
