package docker_test

import (
	"context"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

	"github.com/x-platform/x-platform/internal/docker"
	"github.com/x-platform/x-platform/internal/testenv"
)

// testLabel carries a per-test value on every builder container, so that
// parallel tests only look at their own containers.
const testLabel = "io.x-platform.test"

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

func (f fixture) labels() map[string]string {
	return map[string]string{testLabel: f.unique}
}

// builders lists this test's builder containers, running or not.
func (f fixture) builders(t *testing.T) []container.Summary {
	t.Helper()
	list, err := f.client.ContainerList(context.WithoutCancel(t.Context()), container.ListOptions{
		All: true,
		Filters: filters.NewArgs(
			filters.Arg("label", docker.RoleLabel+"=builder"),
			filters.Arg("label", testLabel+"="+f.unique),
		),
	})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func (f fixture) assertNoBuilders(t *testing.T) {
	t.Helper()
	if left := f.builders(t); len(left) > 0 {
		t.Errorf("%d builder containers left, first %s (%s)", len(left), left[0].ID[:12], left[0].State)
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
