package sopsfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

const secretYAML = `apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque
stringData:
  password: hunter2-plain
data:
  token: c2VjcmV0LXRva2Vu
`

func newIdentity(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func env(vars map[string]string) Getenv {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func keysFor(t *testing.T, vars map[string]string) *Keys {
	t.Helper()
	k, err := LoadKeys(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestEncryptDecryptRoundTrip(t *testing.T) {
	id := newIdentity(t)
	enc, err := Encrypt("db.yaml", []byte(secretYAML), []string{id.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{"hunter2-plain", "c2VjcmV0LXRva2Vu"} {
		if strings.Contains(string(enc), plain) {
			t.Errorf("the encrypted file holds %q:\n%s", plain, enc)
		}
	}
	for _, readable := range []string{"name: db", "kind: Secret", "type: Opaque", id.Recipient().String(), "encrypted_regex: ^(data|stringData)$"} {
		if !strings.Contains(string(enc), readable) {
			t.Errorf("the encrypted file lacks %q:\n%s", readable, enc)
		}
	}
	if !IsEncrypted(enc) || IsEncrypted([]byte(secretYAML)) {
		t.Fatalf("IsEncrypted: encrypted %v, plain %v", IsEncrypted(enc), IsEncrypted([]byte(secretYAML)))
	}
	p, err := Decrypt("db.yaml", enc, keysFor(t, map[string]string{KeyEnv: id.String()}))
	if err != nil {
		t.Fatal(err)
	}
	if string(p.YAML) != secretYAML {
		t.Errorf("decrypted:\n%s\nwant:\n%s", p.YAML, secretYAML)
	}
	if strings.Join(p.Values, ",") != "hunter2-plain,c2VjcmV0LXRva2Vu" {
		t.Errorf("values %q", p.Values)
	}
}

func TestDecryptKeyPlaces(t *testing.T) {
	id, other := newIdentity(t), newIdentity(t)
	enc, err := Encrypt("db.yaml", []byte(secretYAML), []string{id.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.txt")
	xdgFile := filepath.Join(dir, "xdg", "sops", "age", "keys.txt")
	if err := os.MkdirAll(filepath.Dir(xdgFile), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{keyFile, xdgFile} {
		if err := os.WriteFile(f, []byte("# created: now\n"+id.String()+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, vars := range map[string]map[string]string{
		"env, one of several": {KeyEnv: other.String() + "," + id.String()},
		"key file":            {KeyFileEnv: keyFile},
		"XDG_CONFIG_HOME":     {"XDG_CONFIG_HOME": filepath.Join(dir, "xdg")},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Decrypt("db.yaml", enc, keysFor(t, vars)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDecryptWithoutKeyNamesFileAndRecipient(t *testing.T) {
	id, other := newIdentity(t), newIdentity(t)
	enc, err := Encrypt("k8s/overlays/prod/db.yaml", []byte(secretYAML), []string{id.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	for name, vars := range map[string]map[string]string{
		"no key":    {"HOME": home},
		"wrong key": {"HOME": home, KeyEnv: other.String()},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decrypt("k8s/overlays/prod/db.yaml", enc, keysFor(t, vars))
			var nk *NoKeyError
			var u interface{ UsageError() bool }
			if !errors.As(err, &nk) || !errors.As(err, &u) || !u.UsageError() {
				t.Fatalf("got %v, want a usage error with a NoKeyError", err)
			}
			for _, want := range []string{"k8s/overlays/prod/db.yaml", id.Recipient().String(), KeyFileEnv, filepath.Join(home, ".config", "sops", "age", "keys.txt")} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q does not name %q", err, want)
				}
			}
		})
	}
}

func TestDecryptTamperedFile(t *testing.T) {
	id := newIdentity(t)
	enc, err := Encrypt("db.yaml", []byte(secretYAML), []string{id.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	keys := keysFor(t, map[string]string{KeyEnv: id.String()})
	renamed := strings.Replace(string(enc), "name: db", "name: dx", 1)
	_, err = Decrypt("db.yaml", []byte(renamed), keys)
	if !errors.Is(err, ErrMAC) || !strings.Contains(err.Error(), "decrypting db.yaml") {
		t.Errorf("a changed plain value: got %v, want the MAC error naming db.yaml", err)
	}
	i := strings.Index(string(enc), "ENC[AES256_GCM,data:") + len("ENC[AES256_GCM,data:")
	flipped := []byte(string(enc))
	flipped[i] ^= 1
	if _, err = Decrypt("db.yaml", flipped, keys); !errors.Is(err, ErrMAC) {
		t.Errorf("a changed ciphertext: got %v, want ErrMAC", err)
	}
}

func TestReencryptKeepsRecipients(t *testing.T) {
	id, second := newIdentity(t), newIdentity(t)
	enc, err := Encrypt("db.yaml", []byte(secretYAML), []string{id.Recipient().String(), second.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(secretYAML, "hunter2-plain", "changed-plain", 1)
	out, err := Reencrypt("db.yaml", enc, []byte(edited), keysFor(t, map[string]string{KeyEnv: id.String()}))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decrypt("db.yaml", out, keysFor(t, map[string]string{KeyEnv: second.String()}))
	if err != nil {
		t.Fatal(err)
	}
	if string(p.YAML) != edited {
		t.Errorf("got\n%s", p.YAML)
	}
}

func TestEncryptRefuses(t *testing.T) {
	id := newIdentity(t)
	enc, err := Encrypt("db.yaml", []byte(secretYAML), []string{id.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		data       string
		recipients []string
		want       string
	}{
		"no recipient":      {secretYAML, nil, "no age recipient"},
		"bad recipient":     {secretYAML, []string{"age1nope"}, "age1nope"},
		"already encrypted": {string(enc), []string{id.Recipient().String()}, "already encrypted"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Encrypt("db.yaml", []byte(tc.data), tc.recipients)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "encrypting db.yaml") {
				t.Errorf("got %v, want an error about %q", err, tc.want)
			}
		})
	}
}

func TestRuleRecipients(t *testing.T) {
	root := t.TempDir()
	cfg := `creation_rules:
  - path_regex: overlays/prod/.*\.yaml$
    age: age1prod
  - path_regex: overlays/.*
    age: [age1dev, age1ci]
`
	if err := os.WriteFile(filepath.Join(root, ConfigName), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		"overlays/prod/db.yaml":    "age1prod",
		"overlays/staging/db.yaml": "age1dev,age1ci",
		"base/db.yaml":             "",
	} {
		got, path, err := RuleRecipients(filepath.Join(root, file))
		if err != nil || path != filepath.Join(root, ConfigName) || strings.Join(got, ",") != want {
			t.Errorf("%s: %q %q %v, want %q", file, got, path, err, want)
		}
	}
	if got, path, err := RuleRecipients(filepath.Join(t.TempDir(), "db.yaml")); err != nil || path != "" || got != nil {
		t.Errorf("without .sops.yaml: %q %q %v", got, path, err)
	}
}
