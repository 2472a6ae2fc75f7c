package image

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/x-platform/x-platform/internal/retry"
)

// recorder is a registry that answers the calls a Registry makes and
// records each request as "METHOD /path".
type recorder struct {
	mu       sync.Mutex
	requests []string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	path := req.URL.Path
	if path != "/v2/" {
		rec.mu.Lock()
		rec.requests = append(rec.requests, req.Method+" "+path)
		rec.mu.Unlock()
	}
	switch {
	case path == "/v2/":
		w.WriteHeader(http.StatusOK)
	case strings.Contains(path, "/missing/"):
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`))
	case strings.HasSuffix(path, "/tags/list"):
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"name":"x","tags":["b","a"]}`))
	case req.Method == http.MethodDelete:
		w.WriteHeader(http.StatusAccepted)
	case req.Method == http.MethodHead && strings.Contains(path, "/manifests/"):
		digest := testDigest
		if i := strings.LastIndex(path, "/"); strings.HasPrefix(path[i+1:], "sha256:") {
			digest = path[i+1:]
		}
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.Header().Set("Docker-Content-Digest", digest)
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
	default:
		http.Error(w, "unexpected", http.StatusBadRequest)
	}
}

// take returns the requests recorded since the last take.
func (rec *recorder) take() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	got := rec.requests
	rec.requests = nil
	return got
}

// TestRefReachesRegistryUnchanged follows references spelled as a manifest
// writes them — a registry with a port (an address or localhost), a digest
// — to the requests the registry receives, and each reference's spelling to
// the messages that name it.
func TestRefReachesRegistryUnchanged(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv(CredentialsDirEnv, "")
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")
	port := addr[strings.LastIndex(addr, ":")+1:]
	r := NewRegistry(WithPolicy(retry.Policy{Attempts: 1}))
	ctx := context.Background()

	byDigest, err := Parse(addr + "/team/app@" + testDigest)
	if err != nil {
		t.Fatal(err)
	}
	repo := Repo(addr + "/team/app")
	calls := []struct {
		name string
		call func() error
		want []string
	}{
		{"address with a port and a tag", func() error {
			_, err := r.Digest(ctx, NewRef(addr, "team/app", "v1"))
			return err
		}, []string{"HEAD /v2/team/app/manifests/v1"}},
		{"localhost with a port", func() error {
			_, err := r.Digest(ctx, NewRef("localhost:"+port, "app", "feature-x"))
			return err
		}, []string{"HEAD /v2/app/manifests/feature-x"}},
		{"a digest", func() error {
			d, err := r.Digest(ctx, byDigest)
			if err == nil && d != testDigest {
				err = errors.New("digest " + d)
			}
			return err
		}, []string{"HEAD /v2/team/app/manifests/" + testDigest}},
		{"tags of a repository", func() error {
			tags, err := r.Tags(ctx, repo)
			if err == nil && !slices.Equal(tags, []string{"a", "b"}) {
				err = errors.New("tags " + strings.Join(tags, ","))
			}
			return err
		}, []string{"GET /v2/team/app/tags/list"}},
		{"delete a tag", func() error { return r.DeleteTag(ctx, repo, "old") },
			[]string{"DELETE /v2/team/app/manifests/old"}},
		{"delete a manifest", func() error { return r.DeleteManifest(ctx, repo, testDigest) },
			[]string{"DELETE /v2/team/app/manifests/" + testDigest}},
	}
	for _, c := range calls {
		if err := c.call(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if got := rec.take(); !slices.Equal(got, c.want) {
			t.Errorf("%s: the registry received %q, want %q", c.name, got, c.want)
		}
	}

	missing := NewRef(addr, "missing/app", "v1")
	_, err = r.Digest(ctx, missing)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "looking up "+addr+"/missing/app:v1:") {
		t.Errorf("Digest of a missing image: %v, want ErrNotFound naming %s", err, missing)
	}
}

// TestRefWithoutRegistry keeps a reference without a registry as written
// while go-containerregistry sends it to the engine's default registry.
func TestRefWithoutRegistry(t *testing.T) {
	r := NewRegistry()
	for _, tt := range []struct {
		in, repository, identifier string
	}{
		{"zbackend:v1", "library/zbackend", "v1"},
		{"team/zbackend", "team/zbackend", "latest"},
		{"team/zbackend@" + testDigest, "team/zbackend", testDigest},
	} {
		ref, err := Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := r.ParseReference(ref)
		if err != nil {
			t.Fatalf("ParseReference(%s): %v", tt.in, err)
		}
		if got := parsed.Context().RegistryStr(); got != "index.docker.io" {
			t.Errorf("%s goes to registry %q, want index.docker.io", tt.in, got)
		}
		if parsed.Context().RepositoryStr() != tt.repository || parsed.Identifier() != tt.identifier {
			t.Errorf("%s is %s %s, want %s %s", tt.in, parsed.Context().RepositoryStr(), parsed.Identifier(), tt.repository, tt.identifier)
		}
		if ref.String() != tt.in || r.PlainHTTP(ref) {
			t.Errorf("%s reads %q, plain HTTP %v; want it unchanged over TLS", tt.in, ref, r.PlainHTTP(ref))
		}
	}
}
