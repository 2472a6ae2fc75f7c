package image

import (
	"context"
	"fmt"

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
func (r *Registry) Config(ctx context.Context, ref string) (Config, error) {
	parsed, err := r.parse(ref)
	if err != nil {
		return Config{}, err
	}
	img, err := remote.Image(parsed, r.options(ctx)...)
	if err != nil {
		return Config{}, classify("looking up "+ref, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return Config{}, classify("reading manifest of "+ref, err)
	}
	id, err := img.ConfigName()
	if err != nil {
		return Config{}, classify("reading manifest of "+ref, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return Config{}, classify("reading config of "+ref, err)
	}
	return Config{Digest: digest.String(), ID: id.String(), Labels: cf.Config.Labels}, nil
}

// String is for messages.
func (c Config) String() string { return fmt.Sprintf("%s (config %s)", c.Digest, c.ID) }
