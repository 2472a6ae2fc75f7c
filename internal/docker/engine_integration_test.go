package docker_test

import (
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/docker"
	"github.com/x-platform/x-platform/internal/testenv"
)

func TestIntegrationNew(t *testing.T) {
	testenv.Docker(t)
	if _, err := docker.New(t.Context()); err != nil {
		t.Fatalf("New with the default engine: %v", err)
	}
	t.Setenv("DOCKER_HOST", "unix://"+t.TempDir()+"/absent.sock")
	_, err := docker.New(t.Context())
	if err == nil || !strings.Contains(err.Error(), "no Docker engine answers at unix://") {
		t.Fatalf("New without an engine: err = %v", err)
	}
}
