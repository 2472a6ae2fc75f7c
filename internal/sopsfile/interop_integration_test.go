package sopsfile

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/x-platform/x-platform/internal/testenv"
)

// The real sops CLI decrypts what Encrypt and Reencrypt write, and Decrypt
// reads what it encrypts, with the rule x-platform uses and with its
// default of encrypting every value.
func TestIntegrationSopsCLI(t *testing.T) {
	id := newIdentity(t)
	dir := t.TempDir()
	keyEnv := []string{KeyEnv + "=" + id.String()}
	keys := keysFor(t, map[string]string{KeyEnv: id.String()})

	t.Run("sops decrypts ours", func(t *testing.T) {
		enc, err := Encrypt("ours.yaml", []byte(secretYAML), []string{id.Recipient().String()})
		if err != nil {
			t.Fatal(err)
		}
		edited := strings.Replace(secretYAML, "hunter2-plain", "edited-plain", 1)
		reenc, err := Reencrypt("ours.yaml", enc, []byte(edited), keys)
		if err != nil {
			t.Fatal(err)
		}
		for name, tc := range map[string]struct {
			enc  []byte
			want string
		}{
			"encrypted": {enc, secretYAML}, "re-encrypted": {reenc, edited},
		} {
			path := filepath.Join(dir, strings.ReplaceAll(name, "-", "")+".yaml")
			if err := os.WriteFile(path, tc.enc, 0o600); err != nil {
				t.Fatal(err)
			}
			out, stderr, err := testenv.Sops(t, dir, keyEnv, "--decrypt", path)
			if err != nil {
				t.Fatalf("sops --decrypt of the %s file: %v\n%s", name, err, stderr)
			}
			if !sameYAML(t, out, tc.want) {
				t.Errorf("sops decrypted the %s file to\n%s\nwant\n%s", name, out, tc.want)
			}
		}
	})

	for name, args := range map[string][]string{
		"data and stringData": {"--encrypted-regex", EncryptedRegex},
		"every value":         nil,
	} {
		t.Run("we decrypt sops's, "+name, func(t *testing.T) {
			path := filepath.Join(dir, "theirs.yaml")
			if err := os.WriteFile(path, []byte(secretYAML), 0o600); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"--encrypt", "--age", id.Recipient().String()}, args...)
			out, stderr, err := testenv.Sops(t, dir, nil, append(args, path)...)
			if err != nil {
				t.Fatalf("sops --encrypt: %v\n%s", err, stderr)
			}
			if strings.Contains(out, "hunter2-plain") || !IsEncrypted([]byte(out)) {
				t.Fatalf("sops wrote\n%s", out)
			}
			p, err := Decrypt("theirs.yaml", []byte(out), keys)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(p.YAML), "password: hunter2-plain") || !slices.Contains(p.Values, "hunter2-plain") {
				t.Errorf("decrypted\n%s", p.YAML)
			}
		})
	}
}

// sameYAML says whether a and b hold the same document, whatever their
// indentation (sops writes 4 spaces, x-platform 2).
func sameYAML(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := yaml.Unmarshal([]byte(a), &x); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(b), &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}
