package cleanup

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/testenv"
)

// tagging is the registry of cleanup with a build that tags image digest
// as newTag the moment cleanup first deletes anything: after the plan and
// every check before the delete.
type tagging struct {
	Registry
	t    *testing.T
	tag  func(ctx context.Context) error
	once sync.Once
}

func (r *tagging) build(ctx context.Context) {
	r.once.Do(func() {
		if err := r.tag(ctx); err != nil {
			r.t.Errorf("tagging during the deletes: %v", err)
		}
	})
}

func (r *tagging) DeleteTag(ctx context.Context, repo image.Ref, tag string) error {
	r.build(ctx)
	return r.Registry.DeleteTag(ctx, repo, tag)
}

func (r *tagging) DeleteManifest(ctx context.Context, repo image.Ref, digest string) error {
	r.build(ctx)
	return r.Registry.DeleteManifest(ctx, repo, digest)
}

// TestIntegrationApplyKeepsATagAddedDuringDeletes lets a build tag a
// planned image with its new commit while cleanup deletes it: only the
// planned tags go, the build's tag and its image stay, and the report says
// the image was kept, not deleted.
func TestIntegrationApplyKeepsATagAddedDuringDeletes(t *testing.T) {
	f := newRegistryFixture(t, "")
	f.sync()
	target := f.push(old(), strings.Repeat("1", 40), "key-1")
	other := f.push(old(), strings.Repeat("2", 40))
	newSHA := strings.Repeat("9", 40)
	ctx := t.Context()
	o := f.options()
	res, err := Plan(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, del := planned(t, res); len(del) != 2 {
		t.Fatalf("plan deletes %v, want the two old images", del)
	}
	o.Registry = &tagging{Registry: f.reg, t: t, tag: func(ctx context.Context) error {
		return f.reg.Tag(ctx, image.Cut(f.registry+"/a@"+target), newSHA)
	}}
	rep := Apply(ctx, res, o)
	if d, err := f.reg.Digest(ctx, image.Cut(f.registry+"/a:"+newSHA)); err != nil || d != target {
		t.Fatalf("the build's tag %s after cleanup: %s, %v; want it on %s", newSHA, d, err, target)
	}
	got := outcomes(rep)
	if o := got[target]; o.Done || !strings.Contains(o.Kept, "tag "+newSHA+" points at it since the plan") {
		t.Errorf("planned image: %+v, want it kept for the build's tag", o)
	}
	if o := got[other]; !o.Done || o.ManifestDeleted || o.Error != "" {
		t.Errorf("other image: %+v, want its tags deleted and its manifest left to the garbage collector", o)
	}
	if tags := f.tags(); tags != newSHA {
		t.Errorf("tags after apply: %q, want only the build's %s", tags, newSHA)
	}
	if rep.Failed() || len(rep.NoTagDeletes) != 0 {
		t.Errorf("report %+v, want no failure on a registry that deletes tags", rep)
	}
}

// TestIntegrationApplyWithoutTagDeletesListsAgain runs cleanup against a
// registry that refuses tag deletes, as distribution v2 does: a build tags
// a planned image after the plan's checks, and the repository listed again
// before the manifest delete saves it; the other image goes by digest.
func TestIntegrationApplyWithoutTagDeletesListsAgain(t *testing.T) {
	f := newRegistryFixture(t, "")
	f.sync()
	upstream := f.registry
	f.noTagDeletes()
	target := f.push(old(), strings.Repeat("1", 40), "key-1")
	other := f.push(old(), strings.Repeat("2", 40), "key-2")
	newSHA := strings.Repeat("9", 40)
	ctx := t.Context()
	o := f.options()
	res, err := Plan(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	o.Registry = &tagging{Registry: f.reg, t: t, tag: func(ctx context.Context) error {
		return f.reg.Tag(ctx, image.Cut(upstream+"/a@"+target), newSHA)
	}}
	rep := Apply(ctx, res, o)
	if d, err := f.reg.Digest(ctx, image.Cut(upstream+"/a:"+newSHA)); err != nil || d != target {
		t.Fatalf("the build's tag %s after cleanup: %s, %v; want it on %s", newSHA, d, err, target)
	}
	got := outcomes(rep)
	if o := got[target]; o.Done || !strings.Contains(o.Kept, "tag "+newSHA+" points at it since the plan") {
		t.Errorf("planned image: %+v, want it kept for the build's tag", o)
	}
	if o := got[other]; !o.Done || !o.ManifestDeleted || o.Error != "" || strings.Join(o.Deleted, " ") != strings.Repeat("2", 40)+" key-2" {
		t.Errorf("other image: %+v, want its manifest deleted with its two tags", o)
	}
	if _, err := f.reg.Digest(ctx, image.Cut(upstream+"/a@"+other)); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("other image's manifest after apply: err = %v, want it gone", err)
	}
	if want := strings.Repeat("1", 40) + " " + newSHA + " key-1"; f.tags() != want {
		t.Errorf("tags after apply: %q, want %q", f.tags(), want)
	}
	if len(rep.NoTagDeletes) != 1 || rep.Failed() {
		t.Errorf("report %+v, want the repository named as refusing tag deletes", rep)
	}
}

// noTagDeletes puts the fixture's registry behind a proxy that refuses tag
// deletes with distribution v2's answer, and points the manifest at it.
func (f *fixture) noTagDeletes() {
	f.t.Helper()
	host, prefix, _ := strings.Cut(f.registry, "/")
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: host})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodDelete && !strings.Contains(req.URL.Path, "/manifests/sha256:") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = w.Write([]byte(`{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}`))
			return
		}
		proxy.ServeHTTP(w, req)
	}))
	f.t.Cleanup(srv.Close)
	proxied := strings.TrimPrefix(srv.URL, "http://") + "/" + prefix
	path := filepath.Join(f.root, "x-platform.yml")
	text, err := os.ReadFile(path)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(text), "registry: "+f.registry, "registry: "+proxied, 1)), 0o644); err != nil {
		f.t.Fatal(err)
	}
	f.registry = proxied
}

// newRegistryFixture is a fixture without environments, and so without a
// cluster: what it checks lies between the registry and the checkouts.
func newRegistryFixture(t *testing.T, cleanupSection string) *fixture {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	f := &fixture{
		t: t, root: t.TempDir(), registry: testenv.Registry(t) + "/" + testenv.UniqueName(t, "x"),
		remote: testenv.NewRemote(t, map[string]string{"README.md": "a\n"}), reg: image.NewRegistry(),
	}
	text := fmt.Sprintf(`registry: %s
services:
  a:
    dir: src/a
    git: {remote: %s, reference: origin/master}
    dockerBuilder: {image: busybox, workdir: /src}
    docker: {image: a}
%s`, f.registry, f.remote.URL, cleanupSection)
	if err := os.WriteFile(filepath.Join(f.root, "x-platform.yml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}
