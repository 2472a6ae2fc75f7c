package image

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CertsDirsEnv names a list of certs.d folders (separated like PATH) read
// instead of Docker's; the wrapper sets it to the folders it mounted, and
// tests to their own.
const CertsDirsEnv = "XP_CERTS_D"

// certsDirs returns the folders that hold Docker's per-registry certificates
// (<dir>/<host:port>/ca.crt): the engine's, Docker Desktop's and rootless
// Docker's, as the docker CLI and daemon look for them.
func certsDirs() []string {
	if v, ok := os.LookupEnv(CertsDirsEnv); ok {
		return filepath.SplitList(v)
	}
	dirs := []string{"/etc/docker/certs.d"}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".docker", "certs.d"))
	}
	config := os.Getenv("XDG_CONFIG_HOME")
	if config == "" {
		if home, err := os.UserHomeDir(); err == nil {
			config = filepath.Join(home, ".config")
		}
	}
	if config != "" {
		dirs = append(dirs, filepath.Join(config, "docker", "certs.d"))
	}
	return dirs
}

// systemRoots returns what the host trusts. Go reads SSL_CERT_FILE and
// SSL_CERT_DIR itself only on some systems (not macOS), so they are added
// explicitly; a certificate read twice is harmless.
func systemRoots() (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if f := os.Getenv("SSL_CERT_FILE"); f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading CA certificates (SSL_CERT_FILE): %w", err)
		}
		pool.AppendCertsFromPEM(pem)
	}
	for _, dir := range filepath.SplitList(os.Getenv("SSL_CERT_DIR")) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // as Go does: a missing folder is no error
		}
		for _, e := range entries {
			// As Go does, an unreadable entry (a dangling hash link, say) is skipped.
			if pem, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
				pool.AppendCertsFromPEM(pem)
			}
		}
	}
	return pool, nil
}

// tlsConfig is the TLS client configuration for one registry host: the
// host's trusted roots plus the CA files (*.crt) and client key pairs
// (*.cert with *.key) of its certs.d folders, as Docker reads them.
func tlsConfig(roots *x509.CertPool, host string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
	cloned := false
	for _, dir := range certsDirs() {
		if dir == "" {
			continue
		}
		hostDir := filepath.Join(dir, host)
		entries, err := os.ReadDir(hostDir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading certificates for %s: %w", host, err)
		}
		for _, e := range entries {
			path := filepath.Join(hostDir, e.Name())
			switch filepath.Ext(e.Name()) {
			case ".crt":
				pem, err := os.ReadFile(path)
				if err != nil {
					return nil, fmt.Errorf("reading certificates for %s: %w", host, err)
				}
				if !cloned {
					cfg.RootCAs, cloned = roots.Clone(), true
				}
				if !cfg.RootCAs.AppendCertsFromPEM(pem) {
					return nil, fmt.Errorf("reading certificates for %s: %s holds no PEM certificate", host, path)
				}
			case ".cert":
				key := strings.TrimSuffix(path, ".cert") + ".key"
				pair, err := tls.LoadX509KeyPair(path, key)
				if err != nil {
					return nil, fmt.Errorf("reading the client certificate for %s: %w", host, err)
				}
				cfg.Certificates = append(cfg.Certificates, pair)
			case ".key":
				if _, err := os.Stat(strings.TrimSuffix(path, ".key") + ".cert"); err != nil {
					return nil, fmt.Errorf("reading the client certificate for %s: %s has no matching .cert", host, path)
				}
			}
		}
	}
	return cfg, nil
}
