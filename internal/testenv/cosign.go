package testenv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// CosignVersion is the cosign release whose CLI checks what the code under test signs; it
// matches the library version in go.mod.
const CosignVersion = "v2.6.5"

// CosignBinary returns the cosign CLI of CosignVersion, building it with go install when
// the cache holds none. The first build takes minutes (`make cosign` does it ahead).
func CosignBinary(t testing.TB) string {
	t.Helper()
	bin, err := cosignBinary(t.Context(), t.Logf)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return bin
}

// CosignDir is the cache folder of the CLI: ${XDG_CACHE_HOME:-~/.cache}/x-platform/cosign/<version>.
func CosignDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory: %w", err)
	}
	return filepath.Join(cache, "x-platform", "cosign", CosignVersion), nil
}

func cosignBinary(ctx context.Context, logf func(string, ...any)) (string, error) {
	dir, err := CosignDir()
	if err != nil {
		return "", err
	}
	return buildOnce(ctx, dir, "cosign", logf, func(ctx context.Context, tmp string) error {
		cmd := exec.CommandContext(ctx, "go", "install", "-trimpath", "-ldflags", "-s -w",
			"github.com/sigstore/cosign/v2/cmd/cosign@"+CosignVersion)
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOWORK=off", "GOFLAGS=-mod=mod -buildvcs=false", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building cosign %s: %w\n%s", CosignVersion, err, out)
		}
		return nil
	})
}

// Cosign runs the cosign CLI with args in dir, with a HOME of its own (no ~/.docker, no
// ~/.sigstore of the user's) and the key password given, and returns its combined output.
func Cosign(t testing.TB, dir, password string, args ...string) (string, error) {
	t.Helper()
	bin := CosignBinary(t)
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
