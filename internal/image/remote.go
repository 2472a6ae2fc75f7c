package image

import (
	"context"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// RemoteOptions are the go-containerregistry options of every call this
// Registry makes: its keychain, and its transport with the host's trust,
// certs.d folders and insecure registries. Other clients of the same
// registries (signing) take them so that they reach them alike.
func (r *Registry) RemoteOptions(ctx context.Context) []remote.Option {
	return r.options(ctx)
}

// ParseReference parses ref as this Registry's calls do: plain HTTP is
// tried only for loopback and insecure registries.
func (r *Registry) ParseReference(ref Ref) (name.Reference, error) {
	return r.parse(ref)
}
