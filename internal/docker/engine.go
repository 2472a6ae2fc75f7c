package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/docker/docker/api/types/image"
	dockerclient "github.com/docker/docker/client"

	"github.com/x-platform/x-platform/internal/engine"
)

// ErrImageNotFound reports that an image is not present in the local engine.
var ErrImageNotFound = errors.New("image not found locally")

// imageAPI lists the engine calls on local images.
type imageAPI interface {
	ImageInspect(ctx context.Context, ref string, opts ...dockerclient.ImageInspectOption) (image.InspectResponse, error)
	ImageTag(ctx context.Context, source, target string) error
	ImageRemove(ctx context.Context, ref string, opts image.RemoveOptions) ([]image.DeleteResponse, error)
}

// transferAPI lists the engine calls that move images to and from registries.
type transferAPI interface {
	ImagePull(ctx context.Context, ref string, opts image.PullOptions) (io.ReadCloser, error)
	ImagePush(ctx context.Context, ref string, opts image.PushOptions) (io.ReadCloser, error)
}

// buildAPI lists the engine calls that reach its BuildKit.
type buildAPI interface {
	DialHijack(ctx context.Context, url, proto string, meta map[string][]string) (net.Conn, error)
	ClientVersion() string
}

// apiClient is every engine call this package makes, so that changes in the
// moby client surface in this one place.
type apiClient interface {
	imageAPI
	transferAPI
	buildAPI
}

var _ apiClient = (*dockerclient.Client)(nil)

// Engine performs build steps on one Docker engine.
type Engine struct {
	api      apiClient
	closer   io.Closer
	endpoint engine.Endpoint
}

// New connects to the engine the user means (see package engine) and fails
// early, naming it, when it does not answer.
func New(ctx context.Context) (*Engine, error) {
	c, ep, err := engine.Connect(ctx)
	if err != nil {
		return nil, err
	}
	e := NewWithClient(c)
	e.closer, e.endpoint = c, ep
	return e, nil
}

// DialHijack opens a connection upgraded to proto on the engine API's url:
// how the engine's BuildKit is reached.
func (e *Engine) DialHijack(ctx context.Context, url, proto string, meta map[string][]string) (net.Conn, error) {
	return e.api.DialHijack(ctx, url, proto, meta)
}

// ClientVersion is the engine API version in use.
func (e *Engine) ClientVersion() string { return e.api.ClientVersion() }

// Endpoint is the engine New connected to; zero for NewWithClient.
func (e *Engine) Endpoint() engine.Endpoint { return e.endpoint }

// Close releases the connection New opened; it does nothing for an Engine
// made with NewWithClient.
func (e *Engine) Close() error {
	if e.closer == nil {
		return nil
	}
	return e.closer.Close()
}

// NewWithClient wraps an existing client, such as a *client.Client.
func NewWithClient(c apiClient) *Engine {
	return &Engine{api: c}
}

// Exists reports whether the engine has an image for ref, and its ID.
func (e *Engine) Exists(ctx context.Context, ref string) (id string, ok bool, err error) {
	inspect, err := e.api.ImageInspect(ctx, ref)
	if cerrdefs.IsNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("inspecting image %s: %w", ref, err)
	}
	return inspect.ID, true, nil
}

// RepoDigest returns the manifest digest ("sha256:…") the local image ref
// has in ref's repository, known once it was pushed there or pulled from
// there; "" when it has none.
func (e *Engine) RepoDigest(ctx context.Context, ref string) (string, error) {
	ok, digest, err := e.Local(ctx, ref)
	if err == nil && !ok {
		return "", fmt.Errorf("inspecting image %s: %w", ref, ErrImageNotFound)
	}
	return digest, err
}

// Local inspects ref once and tells whether the engine has it and, like
// RepoDigest, its digest in ref's repository ("" when it has none).
func (e *Engine) Local(ctx context.Context, ref string) (ok bool, digest string, err error) {
	info, err := e.Inspect(ctx, ref)
	return info.Present, info.Digest, err
}

// ImageInfo is what the engine knows of an image name.
type ImageInfo struct {
	Present bool
	// ID is the image's config digest, the same on every engine.
	ID string
	// Digest is the manifest digest in the name's repository, known once
	// the image was pushed there or pulled from there.
	Digest string
	Labels map[string]string
}

// Inspect reads ref's image in one call; a missing image is Present=false.
func (e *Engine) Inspect(ctx context.Context, ref string) (ImageInfo, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ImageInfo{}, fmt.Errorf("parsing image reference %q: %w", ref, err)
	}
	inspect, err := e.api.ImageInspect(ctx, ref)
	if cerrdefs.IsNotFound(err) {
		return ImageInfo{}, nil
	}
	if err != nil {
		return ImageInfo{}, fmt.Errorf("inspecting image %s: %w", ref, err)
	}
	info := ImageInfo{Present: true, ID: inspect.ID}
	if inspect.Config != nil {
		info.Labels = inspect.Config.Labels
	}
	for _, rd := range inspect.RepoDigests {
		canonical, err := reference.ParseNormalizedNamed(rd)
		if err != nil {
			continue
		}
		d, ok := canonical.(reference.Digested)
		if ok && canonical.Name() == named.Name() {
			info.Digest = d.Digest().String()
			break
		}
	}
	return info, nil
}

// Tag gives the local image src the additional name dst.
func (e *Engine) Tag(ctx context.Context, src, dst string) error {
	if err := e.api.ImageTag(ctx, src, dst); err != nil {
		if cerrdefs.IsNotFound(err) {
			return fmt.Errorf("tagging %s as %s: %w", src, dst, ErrImageNotFound)
		}
		return fmt.Errorf("tagging %s as %s: %w", src, dst, err)
	}
	return nil
}

// Remove deletes the name ref from the engine, and the image with it when
// that was its last name. A ref that does not exist is not an error.
func (e *Engine) Remove(ctx context.Context, ref string) error {
	_, err := e.api.ImageRemove(ctx, ref, image.RemoveOptions{PruneChildren: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("removing image %s: %w", ref, err)
	}
	return nil
}
