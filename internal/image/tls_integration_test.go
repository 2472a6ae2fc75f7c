package image_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/testenv"
)

// pushSecure writes a random image to ref in reg, trusting its CA and
// logging in directly, and returns its digest.
func pushSecure(t *testing.T, reg *testenv.SecureRegistry, ref string) string {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(reg.CA)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	auth := &authn.Basic{Username: reg.User, Password: reg.Password}
	if err := remote.Write(tag, img, remote.WithTransport(tr), remote.WithAuth(auth), remote.WithContext(t.Context())); err != nil {
		t.Fatalf("writing %s: %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// isolate gives the test its own HOME, docker config, certs.d list and CA
// environment, so nothing of this machine's trust or logins is used.
func isolate(t *testing.T) {
	t.Helper()
	t.Setenv(image.CertsDirsEnv, "")
	t.Setenv("SSL_CERT_FILE", "")
	t.Setenv("SSL_CERT_DIR", "")
	t.Setenv(image.CredentialsDirEnv, "")
}

func TestIntegrationRegistryTLSPrivateCA(t *testing.T) {
	reg := testenv.NewSecureRegistry(t)
	ref := reg.Addr + "/tls/app:v1"
	want := pushSecure(t, reg, ref)
	login := map[string][2]string{reg.Addr: {reg.User, reg.Password}}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, reg.CA, 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		trust func(t *testing.T)
	}{
		{"certs.d", func(t *testing.T) { t.Setenv(image.CertsDirsEnv, reg.CertsDir(t)) }},
		{"SSL_CERT_FILE", func(t *testing.T) { t.Setenv("SSL_CERT_FILE", caFile) }},
		{"SSL_CERT_DIR", func(t *testing.T) { t.Setenv("SSL_CERT_DIR", filepath.Dir(caFile)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			testenv.DockerConfig(t, login, nil)
			tt.trust(t)
			got, err := image.NewRegistry().Digest(t.Context(), image.Cut(ref))
			if err != nil || got != want {
				t.Fatalf("Digest = %q, %v; want %s", got, err, want)
			}
		})
	}

	t.Run("untrusted CA", func(t *testing.T) {
		isolate(t)
		testenv.DockerConfig(t, login, nil)
		_, err := image.NewRegistry().Digest(t.Context(), image.Cut(ref))
		// Loopback may be tried over plain HTTP, but a TLS server does not
		// answer it, so no downgrade hides the certificate error.
		if err == nil || errors.Is(err, image.ErrNotFound) || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
			t.Fatalf("Digest with an untrusted CA: %v, want the certificate refused", err)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		isolate(t)
		wrong := "not-" + reg.Password
		testenv.DockerConfig(t, map[string][2]string{reg.Addr: {reg.User, wrong}}, nil)
		t.Setenv(image.CertsDirsEnv, reg.CertsDir(t))
		_, err := image.NewRegistry().Digest(t.Context(), image.Cut(ref))
		var aerr *image.AuthError
		if !errors.As(err, &aerr) || aerr.Registry != reg.Addr {
			t.Fatalf("Digest with a wrong password: %v, want an AuthError for %s", err, reg.Addr)
		}
		msg := err.Error()
		for _, want := range []string{reg.Addr, "unauthorized", "docker login " + reg.Addr} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not say %q", msg, want)
			}
		}
		if strings.Contains(msg, wrong) || strings.Contains(msg, reg.Password) {
			t.Errorf("error %q shows a password", msg)
		}
	})

	t.Run("resolved on the host", func(t *testing.T) {
		isolate(t)
		// The config names a helper that does not exist here, as in the
		// orchestrator's container; the resolved answer must be used instead
		// of running it.
		testenv.DockerConfig(t, nil, map[string]string{reg.Addr: "absent-helper"})
		t.Setenv(image.CertsDirsEnv, reg.CertsDir(t))
		dir := t.TempDir()
		answer := `{"ServerURL":"` + reg.Addr + `","Username":"` + reg.User + `","Secret":"` + reg.Password + `"}`
		if err := os.WriteFile(filepath.Join(dir, reg.Addr), []byte(answer), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv(image.CredentialsDirEnv, dir)
		got, err := image.NewRegistry().Digest(t.Context(), image.Cut(ref))
		if err != nil || got != want {
			t.Fatalf("Digest = %q, %v; want %s", got, err, want)
		}
	})
}

// TestIntegrationRegistryNoSilentHTTP puts a plain-HTTP registry on a
// private address of this machine: go-containerregistry alone would talk
// HTTP to it unasked.
func TestIntegrationRegistryNoSilentHTTP(t *testing.T) {
	isolate(t)
	testenv.DockerConfig(t, nil, nil)
	addr := testenv.PlainRegistryOn(t, testenv.PrivateAddress(t))
	ref := addr + "/plain/app:v1"
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()

	_, err = image.NewRegistry().Digest(t.Context(), image.Cut(ref))
	if !errors.Is(err, image.ErrPlainHTTP) {
		t.Fatalf("Digest of an undeclared plain-HTTP registry: %v, want ErrPlainHTTP", err)
	}
	if !strings.Contains(err.Error(), image.InsecureEnv) {
		t.Errorf("error %q does not say how to declare the registry insecure", err)
	}
	got, err := image.NewRegistry(image.WithInsecureRegistries(addr)).Digest(t.Context(), image.Cut(ref))
	if err != nil || got != want.String() {
		t.Fatalf("Digest of a declared insecure registry = %q, %v; want %s", got, err, want)
	}
}
