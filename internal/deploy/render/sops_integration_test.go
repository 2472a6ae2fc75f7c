package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/x-platform/x-platform/internal/sopsfile"
	"github.com/x-platform/x-platform/internal/testenv"
)

// A Secret the real sops CLI encrypted, every value included, renders with
// its values.
func TestIntegrationRenderSopsCLIFile(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := OverlayDir(root, "staging")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(t.TempDir(), "secret.yaml")
	if err := os.WriteFile(plain, []byte(plainSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	enc, stderr, err := testenv.Sops(t, filepath.Dir(plain), nil, "--encrypt", "--age", id.Recipient().String(), plain)
	if err != nil {
		t.Fatalf("sops --encrypt: %v\n%s", err, stderr)
	}
	if strings.Contains(enc, "kind: Secret") {
		t.Fatalf("sops left the kind plain:\n%s", enc)
	}
	for name, data := range map[string]string{"kustomization.yaml": "resources: [secret.yaml]\n", "secret.yaml": enc} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	noKeys(t)
	t.Setenv(sopsfile.KeyEnv, id.String())
	r, err := Render(root, "staging", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Objects) != 1 || r.Objects[0].GetKind() != "Secret" {
		t.Fatalf("objects %v", r.Objects)
	}
	if got := r.Objects[0].Object["stringData"].(map[string]any)["password"]; got != "plain-hunter2" {
		t.Errorf("password %v", got)
	}
	if strings.Contains(string(r.Record), "plain-hunter2") {
		t.Errorf("the record holds the value:\n%s", r.Record)
	}
}
