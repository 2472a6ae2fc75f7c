package testenv

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BuildkitTLS holds the files a client needs to reach a buildkitd over mutual TLS, as
// buildctl's --tlscacert, --tlscert and --tlskey take them.
type BuildkitTLS struct {
	CA         string // PEM of the private CA that signed both the server's and the client's certificate
	Cert       string // PEM of the client certificate
	Key        string // PEM of the client's private key
	ServerName string // the name the server certificate is for: 127.0.0.1
}

// buildkitdServerTLS holds the daemon's side: its certificate and key, and the CA it
// requires client certificates from.
type buildkitdServerTLS struct {
	CA, Cert, Key string
}

// writeBuildkitdTLS makes a CA, a server certificate for ip and a client certificate, and
// writes them as PEM files in dir.
func writeBuildkitdTLS(t testing.TB, dir string, ip net.IP) (*BuildkitTLS, buildkitdServerTLS) {
	t.Helper()
	ca, caKey := newCA(t)
	server := issue(t, ca, caKey, ip)
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: "x-platform test client"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatalf("issuing a client certificate: %v", err)
	}
	client := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}

	caFile := writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", ca.Raw)
	c := &BuildkitTLS{CA: caFile, ServerName: ip.String()}
	c.Cert, c.Key = writeKeyPair(t, dir, "client", client)
	s := buildkitdServerTLS{CA: caFile}
	s.Cert, s.Key = writeKeyPair(t, dir, "server", server)
	return c, s
}

// writeKeyPair writes <name>.pem and <name>-key.pem in dir and returns their paths.
func writeKeyPair(t testing.TB, dir, name string, c tls.Certificate) (cert, key string) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatalf("encoding the %s key: %v", name, err)
	}
	cert = writePEM(t, filepath.Join(dir, name+".pem"), "CERTIFICATE", c.Certificate[0])
	key = writePEM(t, filepath.Join(dir, name+"-key.pem"), "PRIVATE KEY", der)
	return cert, key
}

func writePEM(t testing.TB, path, typ string, der []byte) string {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
