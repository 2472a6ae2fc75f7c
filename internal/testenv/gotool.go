package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// goTool is a CLI the tests check the code under test against (cosign,
// sops), built from its module with go install into the cache folder
// ${XDG_CACHE_HOME:-~/.cache}/x-platform/<name>/<version> once; the
// Makefile's targets of the same name build it there ahead.
type goTool struct {
	name    string // the binary's and its cache folder's
	pkg     string // the main package, without a version
	version string
}

var (
	cosignTool = goTool{"cosign", "github.com/sigstore/cosign/v2/cmd/cosign", CosignVersion}
	sopsTool   = goTool{"sops", "github.com/getsops/sops/v3/cmd/sops", SopsVersion}
)

// binary returns the CLI, building it when the cache holds none. The
// first build takes minutes.
func (g goTool) binary(t testing.TB) string {
	t.Helper()
	bin, err := g.build(t.Context(), t.Logf)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return bin
}

func (g goTool) dir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory: %w", err)
	}
	return filepath.Join(cache, "x-platform", g.name, g.version), nil
}

func (g goTool) build(ctx context.Context, logf func(string, ...any)) (string, error) {
	dir, err := g.dir()
	if err != nil {
		return "", err
	}
	return buildOnce(ctx, dir, g.name, logf, func(ctx context.Context, tmp string) error {
		cmd := exec.CommandContext(ctx, "go", "install", "-trimpath", "-ldflags", "-s -w", g.pkg+"@"+g.version)
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOWORK=off", "GOFLAGS=-mod=mod -buildvcs=false", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building %s %s: %w\n%s", g.name, g.version, err, out)
		}
		return nil
	})
}
