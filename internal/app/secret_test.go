package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/x-platform/x-platform/internal/sopsfile"
)

const plainSecretFile = `apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  password: old-hunter2
`

// secretKeys gives the test an age key in SOPS_AGE_KEY and no other key
// place of the user's.
func secretKeys(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(sopsfile.KeyFileEnv, "")
	t.Setenv(sopsfile.KeyEnv, id.String())
	return id
}

func decryptFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := sopsfile.LoadKeys(os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sopsfile.Decrypt(path, data, keys)
	if err != nil {
		t.Fatal(err)
	}
	return string(p.YAML)
}

func TestSecretEncrypt(t *testing.T) {
	id := secretKeys(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "overlays", "prod", "db.yaml")
	writeFile(t, file, plainSecretFile)

	code, _, stderr := runApp(t, "secret", "encrypt", file)
	if code != ExitUsage || !strings.Contains(stderr, "--age") || !strings.Contains(stderr, file) {
		t.Fatalf("without a recipient: exit %d, %s", code, stderr)
	}
	code, stdout, stderr := runApp(t, "secret", "encrypt", "--age", id.Recipient().String(), file)
	if code != ExitOK || !strings.Contains(stdout, id.Recipient().String()) {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	data, _ := os.ReadFile(file)
	if strings.Contains(string(data), "old-hunter2") || !sopsfile.IsEncrypted(data) {
		t.Fatalf("not encrypted:\n%s", data)
	}
	if got := decryptFile(t, file); got != plainSecretFile {
		t.Errorf("decrypts to\n%s", got)
	}
	if code, _, stderr = runApp(t, "secret", "encrypt", "--age", id.Recipient().String(), file); code != ExitUsage || !strings.Contains(stderr, "already encrypted") {
		t.Errorf("twice: exit %d, %s", code, stderr)
	}

	// A creation rule of .sops.yaml gives the recipients when no flag does.
	writeFile(t, filepath.Join(dir, ".sops.yaml"), "creation_rules:\n  - path_regex: overlays/prod/\n    age: "+id.Recipient().String()+"\n")
	other := filepath.Join(dir, "overlays", "prod", "api.yaml")
	writeFile(t, other, plainSecretFile)
	if code, stdout, stderr = runApp(t, "secret", "encrypt", other); code != ExitOK {
		t.Fatalf("with .sops.yaml: exit %d: %s%s", code, stdout, stderr)
	}
	if got := decryptFile(t, other); got != plainSecretFile {
		t.Errorf("decrypts to\n%s", got)
	}
}

// editorScript writes an EDITOR that records the file it was given and
// runs body on it.
func editorScript(t *testing.T, body string) (editor, seen string) {
	t.Helper()
	dir := t.TempDir()
	seen = filepath.Join(dir, "seen")
	editor = filepath.Join(dir, "editor")
	script := "#!/bin/sh\nprintf '%s' \"$1\" > " + seen + ".tmp && mv " + seen + ".tmp " + seen + "\n" + body + "\n"
	if err := os.WriteFile(editor, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return editor, seen
}

func encryptedSecret(t *testing.T, id *age.X25519Identity) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "db.yaml")
	enc, err := sopsfile.Encrypt(file, []byte(plainSecretFile), []string{id.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, file, string(enc))
	return file
}

func TestSecretEdit(t *testing.T) {
	id := secretKeys(t)
	file := encryptedSecret(t, id)
	editor, seen := editorScript(t, `sed -i 's/old-hunter2/new-hunter2/' "$1"; ls -ld "$(dirname "$1")" > `+"\"$1.mode\"; cp \"$1.mode\" "+filepath.Join(filepath.Dir(file), "mode"))
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", editor)
	code, stdout, stderr := runApp(t, "secret", "edit", "-o", "json", file)
	if code != ExitOK || !strings.Contains(stdout, `"action": "re-encrypted"`) {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	if got := decryptFile(t, file); got != strings.Replace(plainSecretFile, "old", "new", 1) {
		t.Errorf("decrypts to\n%s", got)
	}
	data, _ := os.ReadFile(file)
	if strings.Contains(string(data), "hunter2") {
		t.Errorf("plaintext in the file:\n%s", data)
	}
	tmp, _ := os.ReadFile(seen)
	if _, err := os.Stat(filepath.Dir(string(tmp))); !os.IsNotExist(err) {
		t.Errorf("the private folder %s is still there: %v", filepath.Dir(string(tmp)), err)
	}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() && !strings.HasPrefix(string(tmp), "/dev/shm/") {
		t.Errorf("edited %s, not on /dev/shm", tmp)
	}
	mode, _ := os.ReadFile(filepath.Join(filepath.Dir(file), "mode"))
	if !strings.HasPrefix(string(mode), "drwx------") {
		t.Errorf("the private folder was %s", mode)
	}
}

func TestSecretEditFailures(t *testing.T) {
	id := secretKeys(t)
	file := encryptedSecret(t, id)
	before, _ := os.ReadFile(file)
	t.Setenv("VISUAL", "")

	t.Run("the editor fails", func(t *testing.T) {
		editor, seen := editorScript(t, `sed -i 's/old/new/' "$1"; exit 3`)
		t.Setenv("EDITOR", editor)
		code, _, stderr := runApp(t, "secret", "edit", file)
		if code != ExitFailed || !strings.Contains(stderr, "exited with 3") {
			t.Errorf("exit %d: %s", code, stderr)
		}
		checkUntouched(t, file, before, seen)
	})

	t.Run("interrupted", func(t *testing.T) {
		editor, seen := editorScript(t, `sed -i 's/old/new/' "$1"; exec sleep 30`)
		t.Setenv("EDITOR", editor)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan int)
		var errOut bytes.Buffer
		go func() {
			done <- Run(ctx, []string{"x-platform", "secret", "edit", file}, Streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &errOut})
		}()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(seen); err == nil || time.Now().After(deadline) {
				break
			}
		}
		cancel()
		if code := <-done; code == ExitOK {
			t.Errorf("exit 0 after an interrupt: %s", errOut.String())
		}
		checkUntouched(t, file, before, seen)
	})

	t.Run("no key", func(t *testing.T) {
		t.Setenv(sopsfile.KeyEnv, "")
		code, _, stderr := runApp(t, "secret", "edit", file)
		if code != ExitUsage || !strings.Contains(stderr, file) || !strings.Contains(stderr, id.Recipient().String()) {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
}

// checkUntouched checks that file still holds before and that the
// private folder the editor was given is gone.
func checkUntouched(t *testing.T, file string, before []byte, seen string) {
	t.Helper()
	if after, _ := os.ReadFile(file); !bytes.Equal(after, before) {
		t.Errorf("%s changed", file)
	}
	tmp, err := os.ReadFile(seen)
	if err != nil {
		t.Fatalf("the editor did not run: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(string(tmp))); !os.IsNotExist(err) {
		t.Errorf("the private folder %s is still there: %v", filepath.Dir(string(tmp)), err)
	}
}
