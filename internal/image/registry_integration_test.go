package image_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/testenv"
)

func TestIntegrationRegistryDigest(t *testing.T) {
	t.Parallel()
	reg := testenv.Registry(t)
	repo := reg + "/" + testenv.UniqueName(t, "digest")
	want := testenv.PushRandomImage(t, repo+":present")
	closed := closedPort(t)

	tests := []struct {
		name         string
		ref          string
		want         string
		wantNotFound bool
		wantErr      bool
	}{
		{name: "present tag", ref: repo + ":present", want: want},
		{name: "by digest", ref: repo + "@" + want, want: want},
		{name: "missing tag", ref: repo + ":absent", wantNotFound: true},
		{name: "missing repository", ref: reg + "/" + testenv.UniqueName(t, "never-pushed") + ":v1", wantNotFound: true},
		{name: "unreachable registry", ref: closed + "/zbackend:v1", wantErr: true},
	}
	r := image.NewRegistry()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Digest(t.Context(), image.Cut(tt.ref))
			switch {
			case tt.wantNotFound:
				if !errors.Is(err, image.ErrNotFound) {
					t.Fatalf("Digest(%s) err = %v, want ErrNotFound", tt.ref, err)
				}
			case tt.wantErr:
				if err == nil || errors.Is(err, image.ErrNotFound) {
					t.Fatalf("Digest(%s) err = %v, want a failure other than ErrNotFound", tt.ref, err)
				}
			case err != nil:
				t.Fatalf("Digest(%s): %v", tt.ref, err)
			case got != tt.want:
				t.Fatalf("Digest(%s) = %s, want %s", tt.ref, got, tt.want)
			}
		})
	}
}

func TestIntegrationRegistryTag(t *testing.T) {
	t.Parallel()
	reg := testenv.Registry(t)
	repo := reg + "/" + testenv.UniqueName(t, "retag")
	want := testenv.PushRandomImage(t, repo+":0123456789abcdef0123456789abcdef01234567")

	r := image.NewRegistry(image.WithInsecureRegistries("", " registry.internal:5000 "))
	ctx := t.Context()
	if err := r.Tag(ctx, image.Cut(repo+":0123456789abcdef0123456789abcdef01234567"), "feature-x"); err != nil {
		t.Fatal(err)
	}
	got, err := r.Digest(ctx, image.Cut(repo+":feature-x"))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("retagged digest = %s, want %s", got, want)
	}
	if err := r.Tag(ctx, image.Cut(repo+":absent"), "other"); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("Tag of a missing source: err = %v, want ErrNotFound", err)
	}
}

// TestIntegrationRegistryDigestWithoutHead puts a proxy that refuses HEAD on
// manifests, as some registries do, in front of a real registry.
func TestIntegrationRegistryDigestWithoutHead(t *testing.T) {
	t.Parallel()
	reg := testenv.Registry(t)
	name := testenv.UniqueName(t, "nohead")
	want := testenv.PushRandomImage(t, reg+"/"+name+":v1")

	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: reg})
	var heads, gets atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.Contains(req.URL.Path, "/manifests/") {
			if req.Method == http.MethodHead {
				heads.Add(1)
				http.Error(w, "HEAD not allowed", http.StatusMethodNotAllowed)
				return
			}
			gets.Add(1)
		}
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")

	r := image.NewRegistry()
	got, err := r.Digest(t.Context(), image.NewRef(host, name, "v1"))
	if err != nil {
		t.Fatal(err)
	}
	if got != want || heads.Load() != 1 || gets.Load() != 1 {
		t.Errorf("Digest = %s after %d HEAD and %d GET, want %s after one of each", got, heads.Load(), gets.Load(), want)
	}
	if _, err := r.Digest(t.Context(), image.NewRef(host, name, "absent")); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("missing tag through the proxy: err = %v, want ErrNotFound", err)
	}
}

// closedPort returns a loopback host:port on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
