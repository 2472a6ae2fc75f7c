package docker_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationPushTLSCredentials pushes through the engine to a TLS
// registry with a private CA that the engine trusts through certs.d, with
// credentials from a credential helper, then with a wrong password.
func TestIntegrationPushTLSCredentials(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	reg := testenv.NewSecureRegistry(t)
	reg.TrustInDocker(t)
	t.Setenv(image.CredentialsDirEnv, "")
	testenv.DockerConfig(t, nil, map[string]string{reg.Addr: testenv.HelperName})
	gets := testenv.CredentialHelper(t, map[string][2]string{reg.Addr: {reg.User, reg.Password}})

	ref := image.Name(reg.Addr, f.unique, "v1")
	if err := f.engine.Tag(ctx, f.base, ref); err != nil {
		t.Fatal(err)
	}
	f.removeImageLater(t, ref)
	digest, err := f.engine.Push(ctx, ref, nil)
	if err != nil || !strings.HasPrefix(digest, "sha256:") {
		t.Fatalf("Push = %q, %v", digest, err)
	}
	if len(gets()) == 0 {
		t.Error("the push did not ask the credential helper")
	}

	wrong := "wrong-" + reg.Password
	testenv.DockerConfig(t, map[string][2]string{reg.Addr: {reg.User, wrong}}, nil)
	_, err = f.engine.Push(ctx, ref, nil)
	var aerr *image.AuthError
	if !errors.As(err, &aerr) || aerr.Registry != reg.Addr {
		t.Fatalf("Push with a wrong password: %v, want an AuthError for %s", err, reg.Addr)
	}
	msg := err.Error()
	if !strings.Contains(msg, "unauthorized") || !strings.Contains(msg, "docker login "+reg.Addr) {
		t.Errorf("error %q does not say unauthorized and what to run", msg)
	}
	if strings.Contains(msg, wrong) || strings.Contains(msg, reg.Password) {
		t.Errorf("error %q shows a password", msg)
	}
	if err := f.engine.Pull(ctx, ref, nil); !errors.As(err, &aerr) {
		t.Errorf("Pull with a wrong password: %v, want an AuthError", err)
	}
}
