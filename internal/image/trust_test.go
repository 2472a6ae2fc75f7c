package image

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writePair writes a self-signed certificate and its key as PEM files.
func writePair(t *testing.T, certPath, keyPath string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if keyPath != "" {
		if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certPEM
}

func TestTLSConfigReadsCertsD(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	t.Setenv(CertsDirsEnv, first+string(os.PathListSeparator)+second)
	host := "registry.internal:5443"
	for _, d := range []string{filepath.Join(first, host), filepath.Join(second, host), filepath.Join(first, "other:1")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writePair(t, filepath.Join(first, host, "ca.crt"), "")
	writePair(t, filepath.Join(second, host, "extra.crt"), "")
	writePair(t, filepath.Join(second, host, "client.cert"), filepath.Join(second, host, "client.key"))

	cfg, err := tlsConfig(x509.NewCertPool(), host)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cfg.RootCAs.Subjects()); n != 2 {
		t.Errorf("roots hold %d certificates, want the 2 CA files", n)
	}
	if len(cfg.Certificates) != 1 {
		t.Errorf("%d client certificates, want 1", len(cfg.Certificates))
	}
	if cfg.InsecureSkipVerify {
		t.Error("certs.d turned verification off")
	}

	// A key without its certificate is a mistake Docker reports too.
	writePair(t, filepath.Join(first, "other:1", "unused.crt"), filepath.Join(first, "other:1", "lonely.key"))
	if _, err := tlsConfig(x509.NewCertPool(), "other:1"); err == nil || !strings.Contains(err.Error(), "lonely.key") {
		t.Errorf("a .key without .cert: err = %v", err)
	}
}

func TestIsLoopback(t *testing.T) {
	tests := map[string]bool{
		"localhost": true, "localhost:5000": true, "127.0.0.1:5000": true, "127.3.4.5": true,
		"[::1]:5000": true, "::1": true,
		"10.0.0.7:5000": false, "192.168.1.2": false, "registry.localhost:5000": false, "registry.internal": false,
	}
	for host, want := range tests {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestSystemRootsSkipDanglingLinks(t *testing.T) {
	dir := t.TempDir()
	writePair(t, filepath.Join(dir, "company.pem"), "")
	if err := os.Symlink("/nonexistent/ca.pem", filepath.Join(dir, "002c0b4f.0")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", "")
	t.Setenv("SSL_CERT_DIR", dir)
	if _, err := systemRoots(); err != nil {
		t.Fatalf("systemRoots with a dangling link in SSL_CERT_DIR: %v", err)
	}
	t.Setenv("SSL_CERT_FILE", filepath.Join(dir, "missing.pem"))
	if _, err := systemRoots(); err == nil || !strings.Contains(err.Error(), "SSL_CERT_FILE") {
		t.Fatalf("systemRoots with a missing SSL_CERT_FILE: %v, want an error naming it", err)
	}
}
