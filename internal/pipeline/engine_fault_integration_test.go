package pipeline

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/docker"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationEnginePushPullStalledRegistry: the Docker engine pushes to
// and pulls from a registry that stalls; the transfer deadline ends each
// with a message saying so, and with the fault gone the same push and pull
// go through and the registry holds the image.
func TestIntegrationEnginePushPullStalledRegistry(t *testing.T) {
	ctx := t.Context()
	eng, err := docker.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	base := testenv.BaseImage(t)
	fault := testenv.StartHTTPFault(t, testenv.Registry(t))
	ref := image.Name(fault.Addr, testenv.UniqueName(t, "stalled"), strings.Repeat("c", 40))
	if err := eng.Tag(ctx, base, ref); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Remove(ctx, ref) })
	images := WithDeadline(eng, 5*time.Second)
	// Once the fault is gone, a transfer has all the time a loaded
	// machine may need: the deadline is what the stalled calls test.
	after := WithDeadline(eng, 2*time.Minute)
	bounded := func(what string, call func() error) {
		t.Helper()
		fault.Stall()
		start := time.Now()
		err := call()
		took := time.Since(start)
		fault.Clear()
		if err == nil || !strings.Contains(err.Error(), "gave up after 5s") || took > time.Minute {
			t.Fatalf("%s to a stalled registry: %v after %s; want it given up after 5s", what, err, took)
		}
	}

	bounded("push", func() error { _, err := images.Push(ctx, ref, io.Discard); return err })
	digest, err := after.Push(ctx, ref, io.Discard)
	if err != nil {
		t.Fatalf("push after the fault: %v", err)
	}
	if got, err := image.NewRegistry().Digest(ctx, image.Cut(ref)); err != nil || got != digest {
		t.Fatalf("registry digest = %s, %v; want %s", got, err, digest)
	}

	if err := eng.Remove(ctx, ref); err != nil {
		t.Fatal(err)
	}
	bounded("pull", func() error { return images.Pull(ctx, ref, io.Discard) })
	if err := after.Pull(ctx, ref, io.Discard); err != nil {
		t.Fatalf("pull after the fault: %v", err)
	}
}
