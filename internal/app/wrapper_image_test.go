package app

import (
	"context"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

// orchestrator is the image `make image` builds, made once for every wrapper test of
// this run and removed after them by TestMain.
var orchestrator struct {
	once sync.Once
	ref  string
	err  error
	out  []byte
}

// orchestratorImage returns the orchestrator's image built from this tree by `make image`.
func orchestratorImage(t *testing.T) string {
	t.Helper()
	orchestrator.once.Do(func() {
		repo, err := filepath.Abs("../..")
		if err != nil {
			orchestrator.err = err
			return
		}
		orchestrator.ref = "x-platform:" + testenv.UniqueName(t, "test")
		mk := exec.Command("make", "-C", repo, "image", "XP_IMAGE="+orchestrator.ref)
		orchestrator.out, orchestrator.err = mk.CombinedOutput()
	})
	if orchestrator.err != nil {
		t.Fatalf("make image: %v\n%s", orchestrator.err, tail(orchestrator.out))
	}
	return orchestrator.ref
}

// removeOrchestratorImage removes the image orchestratorImage made, if it made one.
func removeOrchestratorImage() {
	if orchestrator.ref == "" {
		return
	}
	_ = exec.CommandContext(context.Background(), "docker", "image", "rm", "-f", orchestrator.ref).Run()
}
