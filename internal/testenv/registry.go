package testenv

import (
	"testing"

	"github.com/x-platform/x-platform/internal/localregistry"
)

// Registry starts an empty in-memory registry on loopback and returns its host:port; the
// Docker engine accepts it over plain HTTP because it is on 127.0.0.1.
func Registry(t testing.TB) string {
	t.Helper()
	srv, err := localregistry.Start(t.Context(), localregistry.Options{})
	if err != nil {
		t.Fatalf("starting a registry: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("closing the registry at %s: %v", srv.Addr(), err)
		}
	})
	return srv.Addr()
}
