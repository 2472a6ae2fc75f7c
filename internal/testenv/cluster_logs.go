package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// FakeLogLines are what every container on the test cluster's fake nodes
// has written, as `kubectl logs` and the pods/log API read them: kwok
// serves them from a file in place of a container runtime.
var FakeLogLines = []string{
	"x-platform test cluster: a container on a fake node started",
	"x-platform test cluster: a container on a fake node finished",
}

// kwokServer prepares, in dir, what kwok needs to serve the kubelet API the
// API server reaches for pod logs: a serving certificate for loopback and a
// ClusterLogs configuration that gives every container FakeLogLines, as
// its current and its previous (crashed) instance's logs. It
// returns kwok's extra arguments. The API server reaches it at the nodes'
// InternalIP (--node-ip) and kubelet port (--node-port), and, given no
// kubelet CA, does not check its certificate.
func kwokServer(dir string) ([]string, error) {
	port, err := freeLoopbackPort()
	if err != nil {
		return nil, err
	}
	cert, key := filepath.Join(dir, "kwok.crt"), filepath.Join(dir, "kwok.key")
	if err := writeServingCert(cert, key, net.IPv4(127, 0, 0, 1)); err != nil {
		return nil, err
	}
	logFile := filepath.Join(dir, "container.log")
	var log strings.Builder
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, line := range FakeLogLines {
		// The CRI log format kubelets read: time, stream, tag (F: a full line), text.
		fmt.Fprintf(&log, "%s stdout F %s\n", at.Add(time.Duration(i)*time.Second).Format(time.RFC3339Nano), line)
	}
	if err := os.WriteFile(logFile, []byte(log.String()), 0o644); err != nil {
		return nil, fmt.Errorf("writing the fake container log: %w", err)
	}
	config := filepath.Join(dir, "kwok-logs.yaml")
	logs := fmt.Sprintf(`apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: every-container
spec:
  logs:
  - logsFile: %[1]s
    previousLogsFile: %[1]s
`, strconv.Quote(logFile))
	if err := os.WriteFile(config, []byte(logs), 0o644); err != nil {
		return nil, fmt.Errorf("writing kwok's logs configuration: %w", err)
	}
	return []string{
		"--config=" + config,
		"--node-ip=127.0.0.1",
		fmt.Sprintf("--node-port=%d", port),
		fmt.Sprintf("--server-address=127.0.0.1:%d", port),
		"--tls-cert-file=" + cert,
		"--tls-private-key-file=" + key,
	}, nil
}

// writeServingCert writes a self-signed serving certificate for ip and its
// key as PEM files.
func writeServingCert(certPath, keyPath string, ip net.IP) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generating a key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: ip.String()},
		IPAddresses:  []net.IP{ip},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("making a serving certificate for %s: %w", ip, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", certPath, err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", keyPath, err)
	}
	return nil
}
