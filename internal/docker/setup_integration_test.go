package docker_test

import (
	"context"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

	"github.com/x-platform/x-platform/internal/docker"
	"github.com/x-platform/x-platform/internal/testenv"
)

type fixture struct {
	engine *docker.Engine
	client *client.Client
	base   string
	unique string
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	c := testenv.Docker(t)
	return fixture{
		engine: docker.NewWithClient(c),
		client: c,
		base:   testenv.BaseImage(t),
		unique: testenv.UniqueName(t, "xp"),
	}
}

// removeImageLater deletes an image and its untagged parents when the test ends.
func (f fixture) removeImageLater(t *testing.T, ref string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := f.client.ImageRemove(ctx, ref, image.RemoveOptions{Force: true, PruneChildren: true})
		if err != nil && !client.IsErrNotFound(err) {
			t.Errorf("removing %s: %v", ref, err)
		}
	})
}
