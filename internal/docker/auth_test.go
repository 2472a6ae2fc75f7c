package docker

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/docker/docker/api/types/registry"
)

func TestRegistryAuth(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", dir)
	// "ci:s3cret"
	config := `{"auths":{"registry.example.com":{"auth":"Y2k6czNjcmV0"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ref      string
		wantJSON string
		wantUser string
	}{
		{ref: "127.0.0.1:5000/zbackend:abc", wantJSON: "{}"},
		{ref: "registry.example.com/team/zbackend:abc", wantUser: "ci"},
	}
	for _, tt := range tests {
		encoded, err := registryAuth(tt.ref)
		if err != nil {
			t.Fatalf("%s: %v", tt.ref, err)
		}
		if tt.wantJSON != "" {
			raw, err := base64.URLEncoding.DecodeString(encoded)
			if err != nil || string(raw) != tt.wantJSON {
				t.Errorf("%s: auth = %q (%v), want %s", tt.ref, raw, err, tt.wantJSON)
			}
			continue
		}
		cfg, err := registry.DecodeAuthConfig(encoded)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Username != tt.wantUser || cfg.Password != "s3cret" {
			t.Errorf("%s: got user %q password %q", tt.ref, cfg.Username, cfg.Password)
		}
	}
}
