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

// SopsVersion is the sops release whose CLI checks that what the code under test
// encrypts it decrypts, and the other way round; it matches the library version in go.mod.
const SopsVersion = "v3.13.3"

// SopsBinary returns the sops CLI of SopsVersion, building it with go install when the
// cache holds none. The first build takes minutes (`make sops` does it ahead).
func SopsBinary(t testing.TB) string {
	t.Helper()
	bin, err := sopsBinary(t.Context(), t.Logf)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return bin
}

// SopsDir is the cache folder of the CLI: ${XDG_CACHE_HOME:-~/.cache}/x-platform/sops/<version>.
func SopsDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory: %w", err)
	}
	return filepath.Join(cache, "x-platform", "sops", SopsVersion), nil
}

func sopsBinary(ctx context.Context, logf func(string, ...any)) (string, error) {
	dir, err := SopsDir()
	if err != nil {
		return "", err
	}
	return buildOnce(ctx, dir, "sops", logf, func(ctx context.Context, tmp string) error {
		cmd := exec.CommandContext(ctx, "go", "install", "-trimpath", "-ldflags", "-s -w",
			"github.com/getsops/sops/v3/cmd/sops@"+SopsVersion)
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOWORK=off", "GOFLAGS=-mod=mod -buildvcs=false", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building sops %s: %w\n%s", SopsVersion, err, out)
		}
		return nil
	})
}

// Sops runs the sops CLI with args in dir, with a HOME of its own (no key of the
// user's), env added (SOPS_AGE_KEY=…, say), and returns its stdout and stderr.
func Sops(t testing.TB, dir string, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	bin := SopsBinary(t)
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
