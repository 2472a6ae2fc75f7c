package image

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

func resolve(t *testing.T, registry string) (authn.AuthConfig, error) {
	t.Helper()
	reg, err := name.NewRegistry(registry)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Keychain().Resolve(reg)
	if err != nil {
		return authn.AuthConfig{}, err
	}
	cfg, err := a.Authorization()
	if err != nil {
		t.Fatal(err)
	}
	return *cfg, nil
}

func TestKeychainResolvedCredentialsFirst(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	config := t.TempDir()
	t.Setenv("DOCKER_CONFIG", config)
	// "ci:s3cret" inline for one registry; a helper that does not exist here
	// for every other one, as in the orchestrator's container.
	cfg := `{"auths":{"inline.example.com":{"auth":"Y2k6czNjcmV0"}},"credsStore":"absent-helper"}`
	if err := os.WriteFile(filepath.Join(config, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	resolved := t.TempDir()
	files := map[string]string{
		"helper.example.com:5000": `{"ServerURL":"helper.example.com:5000","Username":"bot","Secret":"pw"}`,
		"token.example.com":       `{"ServerURL":"token.example.com","Username":"<token>","Secret":"refresh"}`,
		"index.docker.io":         `{"ServerURL":"https://index.docker.io/v1/","Username":"hub","Secret":"hubpw"}`,
		"broken.example.com":      `password=hunter2`,
	}
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(resolved, f), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(CredentialsDirEnv, resolved)

	tests := []struct {
		registry string
		want     authn.AuthConfig
	}{
		{"helper.example.com:5000", authn.AuthConfig{Username: "bot", Password: "pw"}},
		{"token.example.com", authn.AuthConfig{IdentityToken: "refresh"}},
		{"index.docker.io", authn.AuthConfig{Username: "hub", Password: "hubpw"}},
		{"inline.example.com", authn.AuthConfig{Username: "ci", Password: "s3cret"}},
		// Not resolved on the host and not inline: anonymous, without running the helper.
		{"public.example.com", authn.AuthConfig{}},
	}
	for _, tt := range tests {
		got, err := resolve(t, tt.registry)
		if err != nil {
			t.Errorf("%s: %v", tt.registry, err)
			continue
		}
		if got.Username != tt.want.Username || got.Password != tt.want.Password || got.IdentityToken != tt.want.IdentityToken {
			t.Errorf("%s: got %+v, want %+v", tt.registry, got, tt.want)
		}
	}
	if _, err := resolve(t, "broken.example.com"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a malformed file: err = %v, want an error that hides the content", err)
	}
}

func TestResolvedFileName(t *testing.T) {
	tests := map[string]bool{
		"registry.example.com": true, "127.0.0.1:5000": true, authn.DefaultAuthKey: true,
		"../etc/passwd": false, "a/b": false, "": false, ".hidden": false, "host:port": false,
	}
	for key, ok := range tests {
		if _, got := ResolvedFileName(key); got != ok {
			t.Errorf("ResolvedFileName(%q) ok = %v, want %v", key, got, ok)
		}
	}
}
