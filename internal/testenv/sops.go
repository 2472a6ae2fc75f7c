package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// SopsVersion is the sops release whose CLI checks that what the code under test
// encrypts it decrypts, and the other way round; it matches the library version in go.mod.
const SopsVersion = "v3.13.3"

// Sops runs the sops CLI with args in dir, with a HOME of its own (no key of the
// user's), env added (SOPS_AGE_KEY=…, say), and returns its stdout and stderr.
func Sops(t testing.TB, dir string, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	bin := sopsTool.binary(t)
	home := filepath.Join(dir, ".sops-home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"), "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"SOPS_DISABLE_VERSION_CHECK=1", // asks no remote
	}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}
