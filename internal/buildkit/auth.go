package buildkit

import (
	"context"
	"fmt"

	"github.com/docker/cli/cli/config/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
)

// authFrom answers the daemon's requests for registry credentials from kc,
// the same keychain the registry look-ups use; the daemon gets a token for
// the host it asked about and nothing else.
func authFrom(kc authn.Keychain) session.Attachable {
	return authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
		AuthConfigProvider: func(_ context.Context, host string, _ []string, _ authprovider.ExpireCachedAuthCheck) (types.AuthConfig, error) {
			if host == authprovider.DockerHubRegistryHost {
				host = name.DefaultRegistry
			}
			reg, err := name.NewRegistry(host, name.WeakValidation)
			if err != nil {
				return types.AuthConfig{}, fmt.Errorf("reading credentials for %s: %w", host, err)
			}
			a, err := kc.Resolve(reg)
			if err != nil {
				return types.AuthConfig{}, err
			}
			c, err := a.Authorization()
			if err != nil {
				return types.AuthConfig{}, fmt.Errorf("reading credentials for %s: %w", host, err)
			}
			return types.AuthConfig{
				ServerAddress: host,
				Username:      c.Username,
				Password:      c.Password,
				Auth:          c.Auth,
				IdentityToken: c.IdentityToken,
				RegistryToken: c.RegistryToken,
			}, nil
		},
	})
}
