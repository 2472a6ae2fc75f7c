package testenv

import (
	"context"
	"encoding/base64"
	"io"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"
)

// PushBaseImage pushes the busybox image of BaseImage to registry (host:port, plain HTTP on
// loopback, as Registry starts) and returns its name there. A standalone buildkitd sees no
// image of the Docker engine, so its builds take base images from a registry.
func PushBaseImage(t testing.TB, registry string) string {
	t.Helper()
	return PushImage(t, registry, BaseImage(t))
}

// PushImage pushes the engine's image src to registry as registry/src and returns that name.
func PushImage(t testing.TB, registry, src string) string {
	t.Helper()
	cli := Docker(t)
	ref := registry + "/" + src
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	if err := cli.ImageTag(ctx, src, ref); err != nil {
		t.Fatalf("tagging %s as %s: %v", src, ref, err)
	}
	// The tag is only a way to push: the engine pushes tags, not images.
	defer func() {
		if _, err := cli.ImageRemove(context.WithoutCancel(ctx), ref, image.RemoveOptions{}); err != nil {
			t.Errorf("removing the tag %s: %v", ref, err)
		}
	}()
	// The registry asks for no credentials, but the engine wants the header.
	auth := base64.URLEncoding.EncodeToString([]byte("{}"))
	rc, err := cli.ImagePush(ctx, ref, image.PushOptions{RegistryAuth: auth})
	if err == nil {
		err = jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil)
		rc.Close()
	}
	if err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	return ref
}
