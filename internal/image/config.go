package image

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Config is what a registry says of an image without pulling its layers.
type Config struct {
	// Digest is the manifest digest the reference points to.
	Digest string
	// ID is the config digest: the image ID a Docker engine gives it.
	ID     string
	Labels map[string]string
}

// Config reads ref's manifest and config blob; a missing image yields an
// error matching ErrNotFound. An index is resolved to this platform's image.
func (r *Registry) Config(ctx context.Context, ref Ref) (Config, error) {
	parsed, err := r.parse(ref)
	if err != nil {
		return Config{}, err
	}
	var c Config
	err = r.do(ctx, func(ctx context.Context) error {
		var err error
		c, err = r.config(ctx, parsed)
		return err
	})
	if err != nil {
		return Config{}, classify("looking up "+ref.String(), err)
	}
	return c, nil
}

// config is one attempt at Config: the manifest, then the config blob.
func (r *Registry) config(ctx context.Context, ref name.Reference) (Config, error) {
	img, err := remote.Image(ref, r.options(ctx)...)
	if err != nil {
		return Config{}, err
	}
	digest, err := img.Digest()
	if err != nil {
		return Config{}, fmt.Errorf("reading manifest: %w", err)
	}
	id, err := img.ConfigName()
	if err != nil {
		return Config{}, fmt.Errorf("reading manifest: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return Config{}, fmt.Errorf("reading config: %w", err)
	}
	return Config{Digest: digest.String(), ID: id.String(), Labels: cf.Config.Labels}, nil
}

// String is for messages.
func (c Config) String() string { return fmt.Sprintf("%s (config %s)", c.Digest, c.ID) }
