package docker_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/x-platform/x-platform/internal/docker"
	"github.com/x-platform/x-platform/internal/testenv"
)

func TestIntegrationSeesFolder(t *testing.T) {
	eng := docker.NewWithClient(testenv.Docker(t))
	dir := t.TempDir()
	ok, err := eng.SeesFolder(t.Context(), dir)
	if err != nil || !ok {
		t.Fatalf("SeesFolder(%s) on the local engine = %v, %v; want true", dir, ok, err)
	}
	// The marker is gone again: the probe leaves only the folder it made.
	left, err := os.ReadDir(filepath.Join(dir, ".x-platform"))
	if err != nil || len(left) != 0 {
		t.Fatalf(".x-platform after the probe holds %v (%v)", left, err)
	}
}
