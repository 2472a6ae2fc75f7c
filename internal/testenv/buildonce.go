package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// buildOnce returns dir/name, building it first with build when it is not
// there. A lock file keeps concurrent test binaries from building at once,
// and build writes into a temporary folder whose name is renamed into
// place, so nobody sees half a file.
func buildOnce(ctx context.Context, dir, name string, logf func(string, ...any), build func(ctx context.Context, tmp string) error) (string, error) {
	bin := filepath.Join(dir, name)
	if isFile(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating the cache directory: %w", err)
	}
	unlock, err := flockFile(filepath.Join(dir, ".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if isFile(bin) { // built by whoever held the lock before us
		return bin, nil
	}
	logf("building %s into %s (once per version: minutes)", name, dir)
	began := time.Now()
	stop := logWhile(logf, began, "still building "+name)
	defer stop()
	tmp, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return "", fmt.Errorf("creating a build directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := build(ctx, tmp); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, name), bin); err != nil {
		return "", fmt.Errorf("moving %s into the cache: %w", name, err)
	}
	logf("built %s in %s", name, time.Since(began).Round(time.Second))
	return bin, nil
}
