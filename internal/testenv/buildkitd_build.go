package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BuildkitVersion is the github.com/moby/buildkit release the test daemon is built from; it
// matches the client library the code under test uses.
const BuildkitVersion = "v0.34.2"

// BuildkitdBinary returns a buildkitd built from BuildkitVersion, building it when the cache
// holds none for this version and Go toolchain. The first build takes minutes.
func BuildkitdBinary(t testing.TB) string {
	t.Helper()
	// A cold build has taken 9 minutes on 2 cores: more than go test's default timeout, so
	// the context is the test's and the limit is the test binary's -timeout.
	bin, err := buildkitdBinary(t.Context(), t.Logf)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return bin
}

// buildkitdBinary is BuildkitdBinary's work. The cache is
// ${XDG_CACHE_HOME:-~/.cache}/x-platform/buildkit/<buildkit version>-<go version>/buildkitd;
// a lock file keeps concurrent test binaries from building at once, and the program is
// built in a temporary directory and renamed into place, so nobody sees half a file.
func buildkitdBinary(ctx context.Context, logf func(string, ...any)) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("asking go for its version: %w", err)
	}
	goVersion := strings.TrimSpace(string(out))
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory: %w", err)
	}
	dir := filepath.Join(cache, "x-platform", "buildkit", BuildkitVersion+"-"+goVersion)
	return buildOnce(ctx, dir, "buildkitd", logf, func(ctx context.Context, tmp string) error {
		return buildBuildkitd(ctx, tmp, strings.TrimPrefix(goVersion, "go"))
	})
}

// buildBuildkitd builds tmp/buildkitd from a module of its own in tmp, so that our go.mod
// carries only buildkit's client side and none of the daemon's dependencies.
func buildBuildkitd(ctx context.Context, tmp, goVersion string) error {
	src := filepath.Join(tmp, "src")
	goMod := fmt.Sprintf("module xp-test/buildkitd\n\ngo %s\n\nrequire github.com/moby/buildkit %s\n",
		goVersion, BuildkitVersion)
	// The blank import keeps the requirement when go resolves the module graph.
	tools := "//go:build tools\n\npackage tools\n\nimport _ \"github.com/moby/buildkit/cmd/buildkitd\"\n"
	if err := os.MkdirAll(src, 0o755); err != nil {
		return fmt.Errorf("creating the buildkitd module: %w", err)
	}
	for name, data := range map[string]string{"go.mod": goMod, "tools.go": tools} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(data), 0o644); err != nil {
			return fmt.Errorf("creating the buildkitd module: %w", err)
		}
	}
	ldflags := "-s -w -X github.com/moby/buildkit/version.Version=" + BuildkitVersion
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", ldflags,
		"-o", filepath.Join(tmp, "buildkitd"), "github.com/moby/buildkit/cmd/buildkitd")
	cmd.Dir = src
	// A static binary needs no C toolchain and runs whatever the host's libc.
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod -buildvcs=false", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building buildkitd %s in %s: %w\n%s", BuildkitVersion, src, err, out)
	}
	return nil
}

// logWhile logs what every minute from began until stop is called, so a long build does not
// look like a hang.
func logWhile(logf func(string, ...any), began time.Time, what string) (stop func()) {
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				logf("%s (%s)", what, time.Since(began).Round(time.Second))
			}
		}
	}()
	// Waiting for the goroutine keeps it from logging after the test ended.
	return func() { close(done); <-ended }
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
