package image_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/testenv"
)

// pushCreated writes a random image created at the given time under tags.
func pushCreated(t *testing.T, repo string, created time.Time, tags ...string) string {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	if img, err = mutate.CreatedAt(img, v1.Time{Time: created}); err != nil {
		t.Fatal(err)
	}
	var digest string
	for _, tag := range tags {
		digest = testenv.WriteImage(t, repo+":"+tag, img)
	}
	return digest
}

func TestIntegrationRegistryInventoryAndDelete(t *testing.T) {
	t.Parallel()
	reg := testenv.Registry(t)
	repo := reg + "/" + testenv.UniqueName(t, "inventory")
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	first := pushCreated(t, repo, when, "a", "b")
	second := pushCreated(t, repo, when.Add(time.Hour), "c")

	idx, err := random.Index(128, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	idxRef, _ := name.NewTag(repo + ":multi")
	if err := remote.WriteIndex(idxRef, idx, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
	idxDigest, _ := idx.Digest()
	im, _ := idx.IndexManifest()

	r := image.NewRegistry()
	ctx := t.Context()
	repoRef, never := image.Repo(repo), image.Repo(reg+"/never-pushed")
	all, err := r.Inventory(ctx, []image.Ref{repoRef, never}, 4)
	if err != nil {
		t.Fatal(err)
	}
	got := all[repoRef]
	if len(all) != 2 || len(all[never]) != 0 {
		t.Errorf("inventory of an unknown repository: %v, want it empty", all)
	}
	byDigest := map[string]image.Stored{}
	for _, s := range got {
		byDigest[s.Digest] = s
	}
	if s := byDigest[first]; !slices.Equal(s.Tags, []string{"a", "b"}) || !s.Created.Equal(when) {
		t.Errorf("first image = %+v, want tags a, b created %s", s, when)
	}
	if s := byDigest[second]; !slices.Equal(s.Tags, []string{"c"}) || !s.Created.Equal(when.Add(time.Hour)) {
		t.Errorf("second image = %+v, want tag c created an hour later", s)
	}
	if s := byDigest[idxDigest.String()]; len(s.Children) != len(im.Manifests) || s.Children[0] != im.Manifests[0].Digest.String() {
		t.Errorf("index = %+v, want its %d children", s, len(im.Manifests))
	}
	if len(got) != 3 {
		t.Errorf("inventory has %d manifests, want 3", len(got))
	}

	// A tag goes alone; deleting it again is no error.
	for range 2 {
		if err := r.DeleteTag(ctx, repoRef, "a"); err != nil {
			t.Fatalf("deleting tag a: %v", err)
		}
	}
	if d, err := r.Digest(ctx, repoRef.WithTag("b")); err != nil || d != first {
		t.Errorf("tag b after deleting a: %s, %v; want %s", d, err, first)
	}
	if _, err := r.Digest(ctx, repoRef.WithTag("a")); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("tag a after its delete: err = %v, want ErrNotFound", err)
	}
	// The manifest goes with the tags left on it.
	for range 2 {
		if err := r.DeleteManifest(ctx, repoRef, first); err != nil {
			t.Fatalf("deleting %s: %v", first, err)
		}
	}
	tags, err := r.Tags(ctx, repoRef)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tags, []string{"c", "multi"}) {
		t.Errorf("tags after the deletes = %v, want c, multi", tags)
	}
	if tags, err := r.Tags(ctx, never); err != nil || len(tags) != 0 {
		t.Errorf("tags of an unknown repository = %v, %v; want none", tags, err)
	}
}

// TestIntegrationRegistryDeleteTagUnsupported puts a proxy answering as
// registries that delete manifests only by digest in front of a real one.
func TestIntegrationRegistryDeleteTagUnsupported(t *testing.T) {
	t.Parallel()
	reg := testenv.Registry(t)
	name := testenv.UniqueName(t, "notagdelete")
	digest := pushCreated(t, reg+"/"+name, time.Now(), "v1")

	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: reg})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodDelete && !strings.Contains(req.URL.Path, "/manifests/sha256:") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = w.Write([]byte(`{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}`))
			return
		}
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	repo := image.Repo(strings.TrimPrefix(srv.URL, "http://") + "/" + name)

	r := image.NewRegistry()
	if err := r.DeleteTag(t.Context(), repo, "v1"); !errors.Is(err, image.ErrUnsupported) {
		t.Fatalf("deleting a tag: err = %v, want ErrUnsupported", err)
	}
	if err := r.DeleteManifest(t.Context(), repo, digest); err != nil {
		t.Fatalf("deleting by digest: %v", err)
	}
	if _, err := r.Digest(t.Context(), repo.WithTag("v1")); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("v1 after its manifest's delete: err = %v, want ErrNotFound", err)
	}
}
