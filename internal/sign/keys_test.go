package sign_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/cosign/v2/pkg/cosign"

	"github.com/x-platform/x-platform/internal/sign"
)

// writeKeyPair writes a cosign key pair encrypted with password into dir,
// as `cosign generate-key-pair` does, and returns the two paths.
func writeKeyPair(t *testing.T, dir, password string) (key, pub string) {
	t.Helper()
	keys, err := cosign.GenerateKeyPair(func(bool) ([]byte, error) { return []byte(password), nil })
	if err != nil {
		t.Fatal(err)
	}
	key, pub = filepath.Join(dir, "cosign.key"), filepath.Join(dir, "cosign.pub")
	if err := os.WriteFile(key, keys.PrivateBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, keys.PublicBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	return key, pub
}

func TestLoadPrivateKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, pub := writeKeyPair(t, dir, "s3cret")
	emptyDir := t.TempDir()
	emptyKey, _ := writeKeyPair(t, emptyDir, "")
	notKey := filepath.Join(dir, "not-a-key")
	if err := os.WriteFile(notKey, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Each case has a variable of its own: tests run in parallel.
	envs := map[string]string{"XP_TEST_PASS_RIGHT": "s3cret", "XP_TEST_PASS_WRONG": "guess", "XP_TEST_PASS_EMPTY": ""}
	for k, v := range envs {
		os.Setenv(k, v)
	}
	tests := []struct {
		name, key, env string
		wantErr        string
	}{
		{name: "right password", key: key, env: "XP_TEST_PASS_RIGHT"},
		{name: "wrong password", key: key, env: "XP_TEST_PASS_WRONG", wantErr: "signing key " + key + ": wrong password (read from XP_TEST_PASS_WRONG)"},
		{name: "empty password given for an encrypted key", key: key, env: "XP_TEST_PASS_EMPTY", wantErr: "wrong password (read from XP_TEST_PASS_EMPTY)"},
		{name: "variable unset", key: key, env: "XP_TEST_PASS_UNSET", wantErr: "signing key " + key + " is encrypted with a password: set XP_TEST_PASS_UNSET to it"},
		{name: "empty password, variable unset", key: emptyKey, env: "XP_TEST_PASS_UNSET"},
		{name: "empty password, variable empty", key: emptyKey, env: "XP_TEST_PASS_EMPTY"},
		{name: "missing file", key: filepath.Join(dir, "absent.key"), env: "XP_TEST_PASS_RIGHT", wantErr: "reading signing key: open "},
		{name: "not a key", key: notKey, env: "XP_TEST_PASS_RIGHT", wantErr: "not a cosign private key (make one with: cosign generate-key-pair)"},
		{name: "a public key", key: pub, env: "XP_TEST_PASS_RIGHT", wantErr: "not a cosign private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sv, err := sign.LoadPrivateKey(tt.key, tt.env)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := sv.PublicKey(); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if !sign.IsKeyError(err) {
				t.Errorf("error %v is not a KeyError", err)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "guess") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func TestLoadPublicKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, pub := writeKeyPair(t, dir, "pw")
	v, err := sign.LoadPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	os.Setenv("XP_TEST_PASS_PUB", "pw")
	sv, err := sign.LoadPrivateKey(key, "XP_TEST_PASS_PUB")
	if err != nil {
		t.Fatal(err)
	}
	idPub, err := sign.KeyID(v)
	if err != nil {
		t.Fatal(err)
	}
	idKey, err := sign.KeyID(sv)
	if err != nil {
		t.Fatal(err)
	}
	if idPub != idKey || len(idPub) != 16 {
		t.Errorf("KeyID of the public key %q, of the private key %q: want the same 16 hex digits", idPub, idKey)
	}
	for _, bad := range []string{key, filepath.Join(dir, "absent.pub")} {
		if _, err := sign.LoadPublicKey(bad); err == nil || !sign.IsKeyError(err) {
			t.Errorf("LoadPublicKey(%s) = %v, want a KeyError", bad, err)
		}
	}
}
