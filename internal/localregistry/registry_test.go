package localregistry_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/x-platform/x-platform/internal/localregistry"
)

func TestWriteReadDelete(t *testing.T) {
	tests := []struct {
		name string
		opts func(t *testing.T) localregistry.Options
	}{
		{"in memory", func(*testing.T) localregistry.Options { return localregistry.Options{} }},
		{"on disk", func(t *testing.T) localregistry.Options { return localregistry.Options{RootDir: t.TempDir()} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, err := localregistry.Start(t.Context(), tt.opts(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })

			img, err := random.Image(2048, 2)
			if err != nil {
				t.Fatal(err)
			}
			tag, err := name.ParseReference(srv.Addr() + "/test/random:1")
			if err != nil {
				t.Fatal(err)
			}
			if err := remote.Write(tag, img, remote.WithContext(t.Context())); err != nil {
				t.Fatalf("writing %s: %v", tag, err)
			}
			want, err := img.Digest()
			if err != nil {
				t.Fatal(err)
			}
			byDigest := tag.Context().Digest(want.String())
			got, err := remote.Image(byDigest, remote.WithContext(t.Context()))
			if err != nil {
				t.Fatalf("reading %s: %v", byDigest, err)
			}
			if d, _ := got.Digest(); d != want {
				t.Errorf("read digest %s, want %s", d, want)
			}
			layers, err := got.Layers()
			if err != nil || len(layers) != 2 {
				t.Fatalf("read %d layers (%v), want 2", len(layers), err)
			}
			if err := remote.Delete(byDigest, remote.WithContext(t.Context())); err != nil {
				t.Fatalf("deleting %s: %v", byDigest, err)
			}
			_, err = remote.Head(byDigest, remote.WithContext(t.Context()))
			var terr *transport.Error
			if !errors.As(err, &terr) || terr.StatusCode != http.StatusNotFound {
				t.Errorf("after delete, HEAD %s: %v, want 404", byDigest, err)
			}
		})
	}
}

func TestStopping(t *testing.T) {
	tests := []struct {
		name string
		stop func(cancel context.CancelFunc, srv *localregistry.Server)
	}{
		{"Close", func(_ context.CancelFunc, srv *localregistry.Server) { srv.Close() }},
		{"context done", func(cancel context.CancelFunc, _ *localregistry.Server) { cancel() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			srv, err := localregistry.Start(ctx, localregistry.Options{})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Get("http://" + srv.Addr() + "/v2/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Docker-Distribution-Api-Version") != "registry/2.0" {
				t.Fatalf("GET /v2/: %s %v, want 200 from a registry", resp.Status, resp.Header)
			}
			tt.stop(cancel, srv)
			// Close waits for the server to stop, whoever started stopping it.
			if err := srv.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if err := srv.Close(); err != nil {
				t.Errorf("Close again: %v", err)
			}
			if conn, err := net.Dial("tcp", srv.Addr()); err == nil {
				conn.Close()
				t.Errorf("%s still accepts connections after Close", srv.Addr())
			}
		})
	}
}

func TestStartErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if srv, err := localregistry.Start(t.Context(), localregistry.Options{Addr: busy.Addr().String()}); err == nil {
		srv.Close()
		t.Fatalf("Start on the busy address %s succeeded", busy.Addr())
	}
}
