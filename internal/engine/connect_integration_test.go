package engine_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/client"

	"github.com/x-platform/x-platform/internal/engine"
	"github.com/x-platform/x-platform/internal/testenv"
)

// isolate gives the test its own HOME and docker config, so that neither
// the real ~/.docker nor an inherited DOCKER_* variable is read.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("DOCKER_CONFIG", filepath.Join(home, ".docker"))
	for _, k := range []string{"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"} {
		t.Setenv(k, "")
	}
	return home
}

func ping(t *testing.T) engine.Endpoint {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	c, ep, err := engine.Connect(ctx)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	defer c.Close()
	if _, err := c.ServerVersion(ctx); err != nil {
		t.Fatalf("asking %s for its version: %v", ep, err)
	}
	return ep
}

func TestIntegrationConnectTCP(t *testing.T) {
	isolate(t)
	t.Setenv("DOCKER_HOST", testenv.EngineOverTCP(t, nil))
	if ep := ping(t); ep.Local() || ep.Source != "DOCKER_HOST" {
		t.Fatalf("endpoint = %+v, want a remote one from DOCKER_HOST", ep)
	}
}

func TestIntegrationConnectTLS(t *testing.T) {
	isolate(t)
	certs := t.TempDir()
	srv := writeCerts(t, certs)
	t.Setenv("DOCKER_HOST", testenv.EngineOverTCP(t, srv))
	t.Setenv("DOCKER_TLS_VERIFY", "1")
	t.Setenv("DOCKER_CERT_PATH", certs)
	ping(t)

	// Without DOCKER_TLS_VERIFY the client speaks plain HTTP to a TLS port:
	// the error names the engine and says what TLS needs.
	t.Setenv("DOCKER_TLS_VERIFY", "")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, _, err := engine.Connect(ctx); err == nil || !strings.Contains(err.Error(), "DOCKER_TLS_VERIFY=1") || !strings.Contains(err.Error(), "(DOCKER_HOST)") {
		t.Fatalf("plain HTTP to a TLS engine: err = %v", err)
	}
}

func TestIntegrationConnectContext(t *testing.T) {
	home := isolate(t)
	host := testenv.EngineOverTCP(t, nil)
	cfg := filepath.Join(home, ".docker")
	// The docker CLI itself writes the context, so the store's layout is the real one.
	if out, err := exec.Command("docker", "--config", cfg, "context", "create", "ci-remote", "--docker", "host="+host).CombinedOutput(); err != nil {
		t.Fatalf("docker context create: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(cfg, "config.json"), []byte(`{"currentContext":"ci-remote"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if ep := ping(t); ep.Host != host || ep.Source != `docker context "ci-remote"` {
		t.Fatalf("current context: endpoint = %+v", ep)
	}
	t.Setenv("DOCKER_CONTEXT", "default")
	if ep := ping(t); !ep.Local() {
		t.Fatalf("DOCKER_CONTEXT=default: endpoint = %+v", ep)
	}
	t.Setenv("DOCKER_CONTEXT", "gone")
	var ce *engine.ConfigError
	if _, _, err := engine.Connect(t.Context()); !errors.As(err, &ce) || !strings.Contains(err.Error(), `"gone"`) {
		t.Fatalf("unknown context: err = %v", err)
	}
}

// writeCerts makes a CA, a server certificate for 127.0.0.1 and a client
// certificate as `dockerd --tlsverify` expects them, writes the client side to
// dir as ca.pem, cert.pem and key.pem, and returns the server's TLS config.
func writeCerts(t *testing.T, dir string) *tls.Config {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, usage x509.ExtKeyUsage, ips []net.IP) (tls.Certificate, []byte, []byte) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"}, IPAddresses: ips,
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: caTmpl.NotBefore, NotAfter: caTmpl.NotAfter}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kb, _ := x509.MarshalECPrivateKey(key)
		certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		return pair, certPEM, keyPEM
	}
	srv, _, _ := leaf(2, x509.ExtKeyUsageServerAuth, []net.IP{net.IPv4(127, 0, 0, 1)})
	_, cliCert, cliKey := leaf(3, x509.ExtKeyUsageClientAuth, nil)
	for name, b := range map[string][]byte{"ca.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), "cert.pem": cliCert, "key.pem": cliKey} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &tls.Config{Certificates: []tls.Certificate{srv}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert}
}

func connectErr(t *testing.T) (*client.Client, engine.Endpoint, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	c, ep, err := engine.Connect(ctx)
	if c != nil {
		c.Close()
	}
	return c, ep, err
}
