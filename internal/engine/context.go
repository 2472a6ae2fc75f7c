package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The docker CLI keeps each context under a folder named by the SHA-256 of
// its name: contexts/meta/<id>/meta.json and contexts/tls/<id>/docker/*.pem.
// Reading those two places is all this needs of its context store.

type contextMeta struct {
	Name      string
	Endpoints map[string]struct {
		Host          string
		SkipTLSVerify bool
	}
}

func currentContext(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", &ConfigError{fmt.Errorf("reading the docker config: %w", err)}
	}
	var cfg struct {
		CurrentContext string `json:"currentContext"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return "", &ConfigError{fmt.Errorf("reading %s: %w", filepath.Join(dir, "config.json"), err)}
	}
	return cfg.CurrentContext, nil
}

func readContext(dir, name string) (Endpoint, error) {
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	b, err := os.ReadFile(filepath.Join(dir, "contexts", "meta", id, "meta.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return Endpoint{}, fmt.Errorf("no such context in %s (see docker context ls)", filepath.Join(dir, "contexts"))
	}
	if err != nil {
		return Endpoint{}, err
	}
	var m contextMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return Endpoint{}, fmt.Errorf("decoding its meta.json: %w", err)
	}
	d, ok := m.Endpoints["docker"]
	if !ok || d.Host == "" {
		return Endpoint{}, errors.New("it has no docker endpoint")
	}
	ep := Endpoint{Host: d.Host, Source: fmt.Sprintf("docker context %q", name)}
	tlsDir := filepath.Join(dir, "contexts", "tls", id, "docker")
	if _, err := os.Stat(tlsDir); err == nil || d.SkipTLSVerify {
		ep.TLS = tlsFiles(tlsDir, "ca.pem", "cert.pem", "key.pem")
		ep.TLS.SkipVerify = d.SkipTLSVerify
	}
	return ep, nil
}
