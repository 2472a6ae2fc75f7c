package app

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/sopsfile"
)

const (
	sopsPassword = "plain-pw-9f3a1c"
	sopsEdited   = "plain-pw-edited-77b2"
)

// A Secret encrypted with SOPS in the overlay is deployed with its values,
// printed by render and diff only masked, kept out of release records and
// of every file; without its key, or tampered with, nothing is applied.
// Not parallel: the age key is found where sops finds it, in the
// environment.
func TestIntegrationDeploySOPSSecret(t *testing.T) {
	c := newCluster(t, "zbackend")
	c.checkout()
	c.pushAll()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "keys.txt")
	if err := os.WriteFile(keyFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(sopsfile.KeyEnv, "")
	t.Setenv(sopsfile.KeyFileEnv, keyFile)

	file := filepath.Join(c.root, "k8s/overlays/staging/db.yaml")
	c.write("k8s/overlays/staging/db.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: "+sopsPassword+"\n")
	if code, out, stderr := c.run(t.Context(), "text", "secret", "encrypt", "--age", id.Recipient().String(), file); code != ExitOK {
		t.Fatalf("secret encrypt: exit %d\n%s%s", code, out, stderr)
	}
	c.overlay("- db.yaml\n")
	encrypted, _ := os.ReadFile(file)

	before := c.snapshot()
	t.Setenv(sopsfile.KeyFileEnv, "")
	code, _, stderr := c.run(t.Context(), "text", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitUsage || !strings.Contains(stderr, file) || !strings.Contains(stderr, id.Recipient().String()) {
		t.Errorf("without the key: exit %d\n%s", code, stderr)
	}
	t.Setenv(sopsfile.KeyFileEnv, keyFile)
	c.write("k8s/overlays/staging/db.yaml", strings.Replace(string(encrypted), "name: db", "name: dbx", 1))
	code, _, stderr = c.run(t.Context(), "text", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitUsage || !strings.Contains(stderr, file) || !strings.Contains(stderr, "MAC") {
		t.Errorf("tampered: exit %d\n%s", code, stderr)
	}
	c.sameSnapshot("deploys of a SOPS file that could not be decrypted", before)
	c.write("k8s/overlays/staging/db.yaml", string(encrypted))

	code, out, stderr := c.run(t.Context(), "text", "render", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitOK || strings.Contains(out, sopsPassword) || !strings.Contains(out, "password: '***'") {
		t.Errorf("render: exit %d\n%s%s", code, out, stderr)
	}
	c.deploy(ExitOK)
	c.checkSecret(sopsPassword)

	// A new value through secret edit: diff shows the change masked.
	editor, _ := editorScript(t, "sed -i 's/"+sopsPassword+"/"+sopsEdited+"/' \"$1\"")
	t.Setenv("VISUAL", editor)
	if code, out, stderr := c.run(t.Context(), "text", "secret", "edit", file); code != ExitOK {
		t.Fatalf("secret edit: exit %d\n%s%s", code, out, stderr)
	}
	code, out, _ = c.run(t.Context(), "text", "diff", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != 1 || strings.Contains(out, sopsPassword) || strings.Contains(out, sopsEdited) || !strings.Contains(out, "Secret") {
		t.Errorf("diff: exit %d\n%s", code, out)
	}
	c.deploy(ExitOK)
	c.checkSecret(sopsEdited)

	// A rollback keeps the values the cluster has: records have none.
	code, out, stderr = c.run(t.Context(), "text", "rollback", "--env", "staging", "--timeout", "90s", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitOK {
		t.Fatalf("rollback: exit %d\n%s%s", code, out, stderr)
	}
	c.checkSecret(sopsEdited)

	masked := 0
	secrets, err := c.cs.CoreV1().Secrets(c.ns).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets.Items {
		if s.Name == "db" {
			continue
		}
		for k, v := range s.Data {
			if r, err := gzip.NewReader(bytes.NewReader(v)); err == nil {
				if v, err = io.ReadAll(r); err != nil {
					t.Fatal(err)
				}
			}
			if bytes.Contains(v, []byte(sopsPassword)) || bytes.Contains(v, []byte(sopsEdited)) {
				t.Errorf("Secret %s holds a decrypted value in %s", s.Name, k)
			}
			if bytes.Contains(v, []byte("x-platform.io/sops: masked")) {
				masked++
			}
		}
	}
	if masked < 3 {
		t.Errorf("%d release records keep the SOPS Secret masked, want 3", masked)
	}
	for _, dir := range []string{c.root, "/dev/shm"} {
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if data, err := os.ReadFile(path); err == nil && (bytes.Contains(data, []byte(sopsPassword)) || bytes.Contains(data, []byte(sopsEdited))) {
				t.Errorf("%s holds a decrypted value", path)
			}
			return nil
		})
	}
}

// checkSecret checks the value the cluster's Secret db holds.
func (c *cluster) checkSecret(password string) {
	c.t.Helper()
	s, err := c.cs.CoreV1().Secrets(c.ns).Get(c.t.Context(), "db", metav1.GetOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	if got := string(s.Data["password"]); got != password {
		c.t.Errorf("Secret db holds %q, want %q", got, password)
	}
}
