package deploy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/manifest"
)

func obj(apiVersion, kind, ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

// binding is a RoleBinding in ns of the ServiceAccounts sa of subjectNS
// and of one that names no namespace.
func binding(ns, subjectNS string) *unstructured.Unstructured {
	u := obj("rbac.authorization.k8s.io/v1", "RoleBinding", ns, "b")
	u.Object["subjects"] = []any{
		map[string]any{"kind": "ServiceAccount", "name": "sa", "namespace": subjectNS},
		map[string]any{"kind": "Group", "name": "devs"},
	}
	return u
}

func TestIntoNamespace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		objs    []*unstructured.Unstructured
		wantNS  []string // each object's namespace (or a Namespace's name) after
		wantErr string
	}{
		{
			name:   "the template's namespace and its Namespace become the preview's",
			objs:   []*unstructured.Unstructured{obj("v1", "Namespace", "", "tmpl"), obj("apps/v1", "Deployment", "tmpl", "a"), obj("v1", "Service", "tmpl", "a")},
			wantNS: []string{"preview-x", "preview-x", "preview-x"},
		},
		{
			name:   "objects that name no namespace are left to the deploy's",
			objs:   []*unstructured.Unstructured{obj("apps/v1", "Deployment", "", "a"), obj("v1", "ConfigMap", "", "c")},
			wantNS: []string{"", ""},
		},
		{
			name:   "a RoleBinding's subjects of the template's namespace move too",
			objs:   []*unstructured.Unstructured{binding("tmpl", "tmpl"), obj("v1", "ServiceAccount", "tmpl", "sa")},
			wantNS: []string{"preview-x", "preview-x"},
		},
		{
			name:    "a RoleBinding of a subject elsewhere is refused",
			objs:    []*unstructured.Unstructured{binding("tmpl", "staging")},
			wantErr: "binds a subject of namespace staging",
		},
		{
			name:    "an object of another namespace is refused",
			objs:    []*unstructured.Unstructured{obj("apps/v1", "Deployment", "tmpl", "a"), obj("apps/v1", "Deployment", "staging", "b")},
			wantErr: "names namespace staging",
		},
		{
			name:    "another Namespace is refused",
			objs:    []*unstructured.Unstructured{obj("v1", "Namespace", "", "shared"), obj("apps/v1", "Deployment", "", "a")},
			wantErr: "no namespace but its own",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := intoNamespace(tt.objs, "preview", "preview-x")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range tt.objs {
				if o.GetKind() == "RoleBinding" {
					subjects, _, _ := unstructured.NestedSlice(o.Object, "subjects")
					for _, s := range subjects {
						if got := s.(map[string]any)["namespace"]; got != nil && got != "preview-x" {
							t.Errorf("RoleBinding subject in namespace %v", got)
						}
					}
				}
				got := o.GetNamespace()
				if isNamespaceObject(o) {
					got = o.GetName()
				}
				if got != tt.wantNS[i] {
					t.Errorf("%s/%s: namespace %q, want %q", o.GetKind(), o.GetName(), got, tt.wantNS[i])
				}
			}
		})
	}
}

func TestPreviewRender(t *testing.T) {
	t.Parallel()
	m := newPlatform(t, "registry.test/x", "x-staging", "zbackend")
	writeFile(t, m.Root, "k8s/overlays/preview/kustomization.yaml", "namespace: tmpl\nresources: [../../base/zbackend, ns.yaml]\n")
	writeFile(t, m.Root, "k8s/overlays/preview/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: tmpl, labels: {team: web}}\n")
	m.Environments = append(m.Environments, manifest.Environment{Name: "preview", Preview: &manifest.Preview{Namespace: "pr-{branch}", TTL: time.Hour}})

	e, p, err := OpenPreview(m, Target{}, "origin/feature/X", 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "pr-feature-x" || e.Name != p.Name || e.Settings.Namespace != p.Name || p.Branch != "feature/X" {
		t.Fatalf("preview %+v in environment %s (namespace %s)", p, e.Name, e.Settings.Namespace)
	}
	if left := time.Until(p.Expires); left <= 59*time.Minute || left > time.Hour {
		t.Errorf("expires in %s, want the template's hour", left)
	}
	r, err := e.Render(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range r.Objects {
		if ns := o.GetNamespace(); o.GetKind() != "Namespace" && ns != "pr-feature-x" {
			t.Errorf("%s/%s in namespace %q", o.GetKind(), o.GetName(), ns)
		}
	}
	if strings.Contains(string(r.YAML), "tmpl") || !strings.Contains(string(r.YAML), "name: pr-feature-x") {
		t.Errorf("the recorded YAML still names the template's namespace:\n%s", r.YAML)
	}
	// The named environment renders as before through the same renderer.
	staging, err := e.renderer().Render("staging", nil)
	if err != nil || OverlayNamespace(staging.Objects) != "" {
		t.Errorf("staging render: %v", err)
	}

	if _, _, err := OpenPreview(m, Target{}, "", 0); !IsConfigError(err) {
		t.Errorf("no branch: %v, want a configuration error", err)
	}
	m.Environments = m.Environments[:1]
	var nt *NoTemplateError
	if _, _, err := OpenPreview(m, Target{}, "x", 0); !errors.As(err, &nt) || !strings.Contains(err.Error(), `namespace: "preview-{branch}"`) {
		t.Errorf("no template: %v", err)
	}
}

func TestBranchServices(t *testing.T) {
	t.Parallel()
	svc := func(name, url string) *manifest.Service {
		return &manifest.Service{Name: name, Git: manifest.Git{URL: url, Reference: "origin/main"}}
	}
	services := []*manifest.Service{svc("a", "u1"), svc("b", "u2"), svc("c", "u1")}
	var mu sync.Mutex
	asked := map[string]int{}
	list := func(_ context.Context, url string) (map[string]string, error) {
		mu.Lock()
		asked[url]++
		mu.Unlock()
		if url == "u1" {
			return map[string]string{"refs/heads/main": "1", "refs/heads/feature/x": "2"}, nil
		}
		return map[string]string{"refs/heads/main": "3", "refs/tags/feature/x": "4"}, nil
	}
	got, err := BranchServices(t.Context(), services, "feature/x", list)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		names = append(names, s.Name+"@"+s.Git.Reference)
	}
	if want := []string{"a@origin/feature/x", "c@origin/feature/x"}; !slices.Equal(names, want) {
		t.Errorf("branched %v, want %v", names, want)
	}
	if services[0].Git.Reference != "origin/main" {
		t.Errorf("the manifest's service was changed: %+v", services[0].Git)
	}
	if asked["u1"] != 1 || asked["u2"] != 1 {
		t.Errorf("remotes asked %v, want each once", asked)
	}
	failing := func(context.Context, string) (map[string]string, error) { return nil, errors.New("unreachable") }
	if _, err := BranchServices(t.Context(), services, "x", failing); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("a remote that fails: %v", err)
	}
}

func previewNS(name string, labelled bool, expires time.Time) *corev1.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{
		BranchAnnotation: "b-" + name, ExpiresAnnotation: expires.UTC().Format(time.RFC3339), ServicesAnnotation: "a,b",
		TemplateAnnotation: "preview",
	}}}
	if labelled {
		ns.Labels = map[string]string{PreviewLabel: "true"}
	}
	return ns
}

func TestPreviewsCollectAndDelete(t *testing.T) {
	t.Parallel()
	now := time.Now()
	// Other platforms' previews on the cluster: another pattern, another
	// template, no template annotation. None is listed, collected or deleted.
	foreign := []*corev1.Namespace{previewNS("other-old", true, now.Add(-time.Hour)), previewNS("pr-theirs", true, now.Add(-time.Hour)), previewNS("pr-bare", true, now.Add(-time.Hour))}
	foreign[1].Annotations[TemplateAnnotation] = "review"
	delete(foreign[2].Annotations, TemplateAnnotation)
	// Expired, but with a deploy running, and one where staging was
	// deployed with --namespace.
	busy, recorded := previewNS("pr-busy", true, now.Add(-time.Hour)), previewNS("pr-recorded", true, now.Add(-time.Hour))
	cs := fake.NewClientset(
		previewNS("pr-old", true, now.Add(-time.Minute)),
		previewNS("pr-new", true, now.Add(time.Hour)),
		previewNS("staging", false, now.Add(-time.Hour)),
		previewNS("pr-named", true, now.Add(-time.Hour)),
		foreign[0], foreign[1], foreign[2], busy, recorded,
	)
	if err := (&release.Store{Secrets: cs.CoreV1().Secrets("pr-recorded"), Env: "staging"}).Create(t.Context(), &release.Record{Revision: 1, Status: release.Deployed}); err != nil {
		t.Fatal(err)
	}
	_, unlock, err := newEnvLock(cs, "pr-busy", "pr-busy").acquire(t.Context(), "pr-busy")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ps := &Previews{Clientset: cs, Named: map[string]string{"pr-named": "qa"}, Pattern: &manifest.Preview{Namespace: "pr-{branch}"}, Template: "preview"}
	list, err := ps.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list {
		names = append(names, p.Name)
	}
	if want := []string{"pr-busy", "pr-named", "pr-new", "pr-old", "pr-recorded"}; !slices.Equal(names, want) || !slices.Equal(list[2].Branched, []string{"a", "b"}) {
		t.Fatalf("List = %v (%+v), want %v", names, list, want)
	}

	dry, err := ps.Collect(t.Context(), now, true)
	if len(dry) != 2 || dry[0].Name != "pr-busy" || !strings.Contains(dry[0].Skipped, "holds its lock") || dry[1].Name != "pr-old" || dry[1].Skipped != "" ||
		!IsConfigError(err) || !strings.Contains(err.Error(), "environment qa deploys to it") || !strings.Contains(err.Error(), "environment staging keeps its release records") {
		t.Fatalf("Collect dry run = %+v, %v; want pr-busy skipped, pr-old, and refusals of pr-named and pr-recorded", dry, err)
	}
	if n := len(namespaces(t, cs)); n != 9 {
		t.Fatalf("a dry run deleted namespaces: %d left", n)
	}
	if _, err := ps.Collect(t.Context(), now, false); !IsConfigError(err) {
		t.Fatalf("Collect: %v", err)
	}
	if got := namespaces(t, cs); !slices.Equal(got, []string{"other-old", "pr-bare", "pr-busy", "pr-named", "pr-new", "pr-recorded", "pr-theirs", "staging"}) {
		t.Errorf("after gc: %v, want only pr-old gone", got)
	}

	var np *NotPreviewError
	for _, name := range []string{"staging", "pr-named", "pr-recorded", "other-old", "pr-theirs", "pr-bare"} {
		if _, err := ps.Delete(t.Context(), name); !errors.As(err, &np) || !IsConfigError(err) {
			t.Errorf("Delete(%s) = %v, want a refusal", name, err)
		}
	}
	if _, err := ps.Delete(t.Context(), "nope"); !errors.Is(err, ErrNoPreview) {
		t.Errorf("Delete(nope) = %v", err)
	}
	if p, err := ps.Delete(t.Context(), "pr-new"); err != nil || p.Branch != "b-pr-new" {
		t.Errorf("Delete(pr-new) = %+v, %v", p, err)
	}
	if got := namespaces(t, cs); slices.Contains(got, "pr-new") || len(got) != 7 {
		t.Errorf("after delete: %v", got)
	}
}

func namespaces(t *testing.T, cs *fake.Clientset) []string {
	t.Helper()
	list, err := cs.CoreV1().Namespaces().List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ns := range list.Items {
		out = append(out, ns.Name)
	}
	slices.Sort(out)
	return out
}

func TestEnsurePreviewNamespace(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cs := fake.NewClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "taken"}})
	p := &Preview{Name: "pr-x", Branch: "x", Template: "preview", Branched: []string{"a"}, Expires: now.Add(time.Hour)}
	if err := ensurePreviewNamespace(t.Context(), cs, p, now); err != nil {
		t.Fatal(err)
	}
	ns, err := cs.CoreV1().Namespaces().Get(t.Context(), "pr-x", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := previewOf(ns)
	if ns.Labels[PreviewLabel] != "true" || !got.Created.Equal(now) || !got.Expires.Equal(now.Add(time.Hour)) || got.Branch != "x" {
		t.Errorf("created %+v from %+v", got, ns.ObjectMeta)
	}

	// A redeploy refreshes the expiry and keeps the creation time.
	later := now.Add(30 * time.Minute)
	p.Expires = later.Add(time.Hour)
	if err := ensurePreviewNamespace(t.Context(), cs, p, later); err != nil {
		t.Fatal(err)
	}
	ns, _ = cs.CoreV1().Namespaces().Get(t.Context(), "pr-x", metav1.GetOptions{})
	if got := previewOf(ns); !got.Created.Equal(now) || !got.Expires.Equal(later.Add(time.Hour)) {
		t.Errorf("refreshed %+v", got)
	}

	other := &Preview{Name: "pr-x", Branch: "X", Expires: later}
	if err := ensurePreviewNamespace(t.Context(), cs, other, later); !IsConfigError(err) || !strings.Contains(err.Error(), "preview of branch x") {
		t.Errorf("another branch with the same slug: %v", err)
	}
	var np *NotPreviewError
	if err := ensurePreviewNamespace(t.Context(), cs, &Preview{Name: "taken", Branch: "y"}, now); !errors.As(err, &np) {
		t.Errorf("an unlabelled namespace: %v", err)
	}
}

func TestPreviewExpired(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, tt := range []struct {
		expires time.Time
		want    bool
	}{{now.Add(-time.Second), true}, {now.Add(time.Second), false}, {time.Time{}, false}} {
		if got := (Preview{Expires: tt.expires}).Expired(now); got != tt.want {
			t.Errorf("Expired with expiry %v = %v, want %v", tt.expires, got, tt.want)
		}
	}
}

// TestPreviewsRecords reads the records and locks of every preview, and
// of no named environment's namespace, whatever its labels say.
func TestPreviewsRecords(t *testing.T) {
	t.Parallel()
	now := time.Now()
	cs := fake.NewClientset(previewNS("pr-a", true, now.Add(time.Hour)), previewNS("pr-named", true, now.Add(time.Hour)), previewNS("staging", false, now))
	for _, ns := range []string{"pr-a", "pr-named", "staging"} {
		store := &release.Store{Secrets: cs.CoreV1().Secrets(ns), Env: ns}
		if err := store.Create(t.Context(), &release.Record{Revision: 1, Status: release.Deployed}); err != nil {
			t.Fatal(err)
		}
	}
	ps := &Previews{Clientset: cs, Named: map[string]string{"pr-named": "qa"}}
	records, err := ps.Records(t.Context())
	if err != nil || len(records) != 1 || records[0].Env != "pr-a" {
		t.Fatalf("Records = %+v, %v; want pr-a's only", records, err)
	}
	if holder, err := ps.Deploying(t.Context()); holder != "" || err != nil {
		t.Fatalf("Deploying with no lock = %q, %v", holder, err)
	}
	_, unlock, err := newEnvLock(cs, "pr-a", "pr-a").acquire(t.Context(), "pr-a")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if holder, err := ps.Deploying(t.Context()); holder == "" || err != nil {
		t.Errorf("Deploying while pr-a is locked = %q, %v; want its holder", holder, err)
	}
}
