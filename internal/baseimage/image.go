package baseimage

import (
	"context"
	"fmt"
	"io"
	"runtime"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
)

// Client is the part of the Docker Engine API that Busybox uses.
type Client interface {
	ImageImport(ctx context.Context, source image.ImportSource, ref string, options image.ImportOptions) (io.ReadCloser, error)
	ImageInspect(ctx context.Context, imageID string, opts ...client.ImageInspectOption) (image.InspectResponse, error)
}

var _ Client = (*client.Client)(nil)

// defaultPath lists the usual directories; several are symlinks to /bin in these images.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// exists reports whether ref names an image the engine already has.
func exists(ctx context.Context, c Client, ref string) (bool, error) {
	_, err := c.ImageInspect(ctx, ref)
	switch {
	case err == nil:
		return true, nil
	case cerrdefs.IsNotFound(err):
		return false, nil
	default:
		return false, fmt.Errorf("inspecting image %s: %w", ref, err)
	}
}

// importRootfs imports the tar stream rootfs as the image ref with the given Dockerfile-style
// changes, then checks that the engine can inspect it.
func importRootfs(ctx context.Context, c Client, ref string, rootfs io.Reader, changes []string) error {
	rc, err := c.ImageImport(ctx, image.ImportSource{Source: rootfs, SourceName: "-"}, ref, image.ImportOptions{Changes: changes})
	if err != nil {
		return fmt.Errorf("importing image %s: %w", ref, err)
	}
	defer rc.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("importing image %s: %w", ref, err)
	}
	if _, err := c.ImageInspect(ctx, ref); err != nil {
		return fmt.Errorf("inspecting imported image %s: %w", ref, err)
	}
	return nil
}

// Busybox makes the image ref from a static busybox (XP_BUSYBOX, /bin/busybox, or Debian's
// package fetched into the user's cache), unless the engine already has an image by that name.
func Busybox(ctx context.Context, c Client, ref string) error {
	ok, err := exists(ctx, c, ref)
	if err != nil || ok {
		return err
	}
	bin, err := findBusybox(ctx, DefaultBusybox, debianBusybox[runtime.GOARCH])
	if err != nil {
		return err
	}
	rootfs, err := busyboxRootfs(bin)
	if err != nil {
		return fmt.Errorf("building busybox root filesystem: %w", err)
	}
	changes := []string{`CMD ["sh"]`, "ENV PATH=" + defaultPath}
	return importRootfs(ctx, c, ref, rootfs, changes)
}
