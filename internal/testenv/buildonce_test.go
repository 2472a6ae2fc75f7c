package testenv

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

func TestBuildOnceBuildsOnceAndPublishesWholeFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	var builds atomic.Int32
	build := func(_ context.Context, tmp string) error {
		builds.Add(1)
		return os.WriteFile(filepath.Join(tmp, "tool"), []byte("#!/bin/sh\n"), 0o755)
	}
	var wg sync.WaitGroup
	paths := make([]string, 4)
	for i := range paths {
		wg.Go(func() {
			p, err := buildOnce(t.Context(), dir, "tool", t.Logf, build)
			if err != nil {
				t.Error(err)
			}
			paths[i] = p
		})
	}
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Errorf("built %d times, want once", n)
	}
	for _, p := range paths {
		if p != filepath.Join(dir, "tool") || !isFile(p) {
			t.Errorf("got %q, want the built file in %s", p, dir)
		}
	}
	left, err := filepath.Glob(filepath.Join(dir, ".build-*"))
	if err != nil || len(left) != 0 {
		t.Errorf("temporary build folders left: %v %v", left, err)
	}
}
