package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/x-platform/x-platform/internal/localregistry"
)

// SecureRegistry is a registry as companies run them: HTTPS with a
// certificate from a private CA, and htpasswd basic auth.
type SecureRegistry struct {
	Addr     string // 127.0.0.1:PORT, the name its certificate is for
	CA       []byte // PEM of the private CA that signed the certificate
	User     string
	Password string
}

// NewSecureRegistry starts an empty in-memory registry over TLS on loopback
// that lets only its one user (random name and password) in. Nothing trusts
// its CA until the test says so (CertsDir, TrustInDocker).
func NewSecureRegistry(t testing.TB) *SecureRegistry {
	t.Helper()
	ca, caKey := newCA(t)
	cert := issue(t, ca, caKey, net.IPv4(127, 0, 0, 1))
	r := &SecureRegistry{
		CA:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}),
		User:     "xp-" + randomHex(t, 4),
		Password: randomHex(t, 16),
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(r.Password), bcrypt.MinCost)
	if err != nil {
		t.Fatalf("hashing the registry password: %v", err)
	}
	htpasswd := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(htpasswd, []byte(r.User+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := localregistry.Start(t.Context(), localregistry.Options{
		TLS:      &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		HTPasswd: htpasswd,
	})
	if err != nil {
		t.Fatalf("starting a TLS registry: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("closing the registry at %s: %v", srv.Addr(), err)
		}
	})
	r.Addr = srv.Addr()
	return r
}

// CertsDir writes a certs.d folder that trusts the registry, as Docker
// lays it out (<dir>/<host:port>/ca.crt), and returns the folder.
func (r *SecureRegistry) CertsDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	writeCA(t, filepath.Join(dir, r.Addr), r.CA)
	return dir
}

// TrustInDocker makes the Docker engine trust the registry the way users
// do, with /etc/docker/certs.d/<host:port>/ca.crt (read per request, so no
// restart), until the test ends. It needs root, as the tests run.
func (r *SecureRegistry) TrustInDocker(t testing.TB) {
	t.Helper()
	dir := filepath.Join("/etc/docker/certs.d", r.Addr)
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s exists already; a test would remove someone else's trust", dir)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("removing %s: %v", dir, err)
		}
	})
	writeCA(t, dir, r.CA)
}

// PlainRegistryOn starts an empty plain-HTTP registry listening on ip and
// returns its host:port.
func PlainRegistryOn(t testing.TB, ip string) string {
	t.Helper()
	srv, err := localregistry.Start(t.Context(), localregistry.Options{Addr: net.JoinHostPort(ip, "0")})
	if err != nil {
		t.Fatalf("starting a registry on %s: %v", ip, err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv.Addr()
}

// PrivateAddress returns an RFC 1918 IPv4 address of this machine, such as
// the docker0 bridge's, for tests of what is not loopback.
func PrivateAddress(t testing.TB) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatalf("listing addresses: %v", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsPrivate() {
			return n.IP.String()
		}
	}
	t.Fatalf("this machine has no private (RFC 1918) IPv4 address, such as the docker0 bridge's; start the Docker engine")
	return ""
}

func writeCA(t testing.TB, dir string, ca []byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
}

func newCA(t testing.TB) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: "X Platform test CA " + randomHex(t, 4)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("making a CA: %v", err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return ca, key
}

// issue makes a server certificate for ip signed by ca.
func issue(t testing.TB, ca *x509.Certificate, caKey *ecdsa.PrivateKey, ip net.IP) tls.Certificate {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: ip.String()},
		IPAddresses:  []net.IP{ip},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatalf("issuing a certificate for %s: %v", ip, err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generating a key: %v", err)
	}
	return key
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("reading random bytes: %v", err)
	}
	return hex.EncodeToString(b)
}
