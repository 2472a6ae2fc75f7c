package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// CosignVersion is the cosign release whose CLI checks what the code under test signs; it
// matches the library version in go.mod.
const CosignVersion = "v2.6.5"

// Cosign runs the cosign CLI with args in dir, with a HOME of its own (no ~/.docker, no
// ~/.sigstore of the user's) and the key password given, and returns its combined output.
func Cosign(t testing.TB, dir, password string, args ...string) (string, error) {
	t.Helper()
	bin := cosignTool.binary(t)
	home := filepath.Join(dir, ".cosign-home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"), "DOCKER_CONFIG=" + filepath.Join(home, ".docker"),
		"COSIGN_PASSWORD=" + password, "COSIGN_YES=true", "TUF_ROOT=" + filepath.Join(home, ".sigstore"),
		"SIGSTORE_NO_CACHE=true",
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
