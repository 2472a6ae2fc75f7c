package localregistry_test

import (
	"context"
	"encoding/base64"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationDockerPushPull proves the engine talks plain HTTP to a registry on 127.0.0.1.
func TestIntegrationDockerPushPull(t *testing.T) {
	t.Parallel()
	cli := testenv.Docker(t)
	base := testenv.BaseImage(t)
	addr := testenv.Registry(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	target := addr + "/test/busybox:x"
	if err := cli.ImageTag(ctx, base, target); err != nil {
		t.Fatalf("tagging %s: %v", target, err)
	}
	t.Cleanup(func() {
		cli.ImageRemove(context.Background(), target, image.RemoveOptions{})
	})
	auth := base64.URLEncoding.EncodeToString([]byte("{}"))

	rc, err := cli.ImagePush(ctx, target, image.PushOptions{RegistryAuth: auth})
	if err != nil {
		t.Fatalf("pushing %s: %v", target, err)
	}
	readMessages(t, "pushing "+target, rc)

	if _, err := cli.ImageRemove(ctx, target, image.RemoveOptions{}); err != nil {
		t.Fatalf("removing %s: %v", target, err)
	}
	if _, err := cli.ImageInspect(ctx, target); err == nil {
		t.Fatalf("%s is still present after removing it", target)
	}

	rc, err = cli.ImagePull(ctx, target, image.PullOptions{RegistryAuth: auth})
	if err != nil {
		t.Fatalf("pulling %s: %v", target, err)
	}
	readMessages(t, "pulling "+target, rc)

	pulled, err := cli.ImageInspect(ctx, target)
	if err != nil {
		t.Fatalf("inspecting pulled %s: %v", target, err)
	}
	orig, err := cli.ImageInspect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	if pulled.ID != orig.ID {
		t.Errorf("pulled image %s, want the pushed %s", pulled.ID, orig.ID)
	}
	if !hasPrefix(pulled.RepoDigests, addr+"/test/busybox@sha256:") {
		t.Errorf("pulled image digests %v, want one from %s", pulled.RepoDigests, addr)
	}
}

// readMessages reads an engine progress stream to its end, failing on a reported error.
func readMessages(t *testing.T, what string, rc io.ReadCloser) {
	t.Helper()
	defer rc.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func hasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
