package render

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/x-platform/x-platform/internal/sopsfile"
)

const plainSecret = `apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  password: plain-hunter2
data:
  token: dG9rZW4tdmFsdWUtNDI=
`

// sopsTree writes a kustomize root whose overlays "staging" and "prod"
// each hold a Secret encrypted for its own age key, and returns the root
// and the keys.
func sopsTree(t *testing.T) (root string, staging, prod *age.X25519Identity) {
	t.Helper()
	root = t.TempDir()
	ids := map[string]*age.X25519Identity{}
	for _, env := range []string{"staging", "prod"} {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		ids[env] = id
		dir := OverlayDir(root, env)
		enc, err := sopsfile.Encrypt("secret.yaml", []byte(plainSecret), []string{id.Recipient().String()})
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{
			"kustomization.yaml": "resources:\n- secret.yaml\n- config.yaml\n",
			"secret.yaml":        string(enc),
			"config.yaml":        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  sops: not-encrypted\n",
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root, ids["staging"], ids["prod"]
}

// noKeys points every SOPS key place at an empty folder.
func noKeys(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	os.Unsetenv(sopsfile.KeyEnv)
	os.Unsetenv(sopsfile.KeyFileEnv)
}

func TestRenderDecryptsSOPSInMemory(t *testing.T) {
	root, staging, _ := sopsTree(t)
	noKeys(t)
	t.Setenv(sopsfile.KeyEnv, staging.String()) // prod's key is absent: its overlay is never read
	before, err := os.ReadFile(filepath.Join(OverlayDir(root, "staging"), "secret.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Render(root, "staging", nil)
	if err != nil {
		t.Fatal(err)
	}
	var secret map[string]any
	for _, o := range r.Objects {
		if o.GetKind() == "Secret" {
			secret = o.Object
		}
	}
	if got := secret["stringData"].(map[string]any)["password"]; got != "plain-hunter2" {
		t.Errorf("password %v", got)
	}
	if got := secret["data"].(map[string]any)["token"]; got != "dG9rZW4tdmFsdWUtNDI=" {
		t.Errorf("token %v", got)
	}
	if _, ok := secret["sops"]; ok {
		t.Error("the sops metadata reached the object")
	}
	for name, out := range map[string][]byte{"Masked": r.Masked, "Record": r.Record} {
		for _, plain := range []string{"plain-hunter2", "dG9rZW4tdmFsdWUtNDI="} {
			if strings.Contains(string(out), plain) {
				t.Errorf("%s holds %q:\n%s", name, plain, out)
			}
		}
		if !strings.Contains(string(out), "password: '***'") || !strings.Contains(string(out), "sops: not-encrypted") {
			t.Errorf("%s masks the wrong values:\n%s", name, out)
		}
	}
	if !strings.Contains(string(r.Record), SOPSAnnotation+": masked") || strings.Contains(string(r.Masked), SOPSAnnotation) {
		t.Errorf("only the record marks the Secret:\n%s\n---\n%s", r.Record, r.Masked)
	}
	after, err := os.ReadFile(filepath.Join(OverlayDir(root, "staging"), "secret.yaml"))
	if err != nil || string(after) != string(before) {
		t.Errorf("the encrypted file changed: %v", err)
	}
}

func TestRenderRecordKeepsPlainSecrets(t *testing.T) {
	root := t.TempDir()
	dir := OverlayDir(root, "dev")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"kustomization.yaml": "resources:\n- secret.yaml\n", "secret.yaml": plainSecret} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Render(root, "dev", nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Record) != string(r.YAML) || strings.Contains(string(r.Masked), "plain-hunter2") {
		t.Errorf("a Secret written plainly in git: record\n%s\nmasked\n%s", r.Record, r.Masked)
	}
}

func TestRenderSOPSErrors(t *testing.T) {
	root, staging, prod := sopsTree(t)
	file := filepath.Join(OverlayDir(root, "prod"), "secret.yaml")
	noKeys(t)
	t.Setenv(sopsfile.KeyEnv, staging.String())
	_, err := Render(root, "prod", nil)
	var nk *sopsfile.NoKeyError
	var u interface{ UsageError() bool }
	if !errors.As(err, &nk) || !errors.As(err, &u) || !u.UsageError() {
		t.Fatalf("without prod's key: %v, want a usage error", err)
	}
	for _, want := range []string{file, prod.Recipient().String()} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not name %s", err, want)
		}
	}

	t.Setenv(sopsfile.KeyEnv, prod.String())
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(data), "name: db", "name: other", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Render(root, "prod", nil)
	if !errors.Is(err, sopsfile.ErrMAC) || !strings.Contains(err.Error(), file) || !errors.As(err, &u) {
		t.Errorf("a tampered file: %v, want the MAC error naming %s", err, file)
	}
}
