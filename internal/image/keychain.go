package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/credentials"
	clitypes "github.com/docker/cli/cli/config/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// CredentialsDirEnv names a folder of credentials resolved on the host by
// bin/x-platform: one file per registry, named like the registry, holding
// what `docker-credential-<helper> get` printed for it. Credential helpers
// live on the host only, so when it is set no helper is run here.
const CredentialsDirEnv = "XP_CREDENTIALS_DIR"

// Keychain finds registry credentials as the docker CLI does: the config
// file in DOCKER_CONFIG (default ~/.docker) with its auths, credsStore and
// credHelpers. The resolved credentials in XP_CREDENTIALS_DIR come first.
// Registry look-ups and engine pushes and pulls both use it.
func Keychain() authn.Keychain { return keychain{} }

type keychain struct{}

var _ authn.Keychain = keychain{}

// Resolve reads the configuration afresh each time, so a `docker login`
// during a long run is seen by the next push.
func (keychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	key := AuthKey(target.RegistryStr())
	dir := os.Getenv(CredentialsDirEnv)
	if dir != "" {
		cfg, ok, err := readResolved(dir, key)
		if err != nil || ok {
			return authn.FromConfig(cfg), err
		}
	}
	cf, err := DockerConfig()
	if err != nil {
		return nil, err
	}
	var ac clitypes.AuthConfig
	if dir != "" {
		ac, err = credentials.NewFileStore(cf).Get(key)
	} else {
		ac, err = cf.GetAuthConfig(key)
	}
	if err != nil {
		return nil, fmt.Errorf("reading credentials for %s: %w", target.RegistryStr(), err)
	}
	if ac.Username == "" && ac.Password == "" && ac.Auth == "" && ac.IdentityToken == "" && ac.RegistryToken == "" {
		return authn.Anonymous, nil
	}
	return authn.FromConfig(authn.AuthConfig{
		Username:      ac.Username,
		Password:      ac.Password,
		Auth:          ac.Auth,
		IdentityToken: ac.IdentityToken,
		RegistryToken: ac.RegistryToken,
	}), nil
}

// DockerConfig loads the docker CLI's config.json from DOCKER_CONFIG or
// ~/.docker; a missing file is an empty configuration.
func DockerConfig() (*configfile.ConfigFile, error) {
	dir := os.Getenv("DOCKER_CONFIG")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("finding the docker config: %w", err)
		}
		dir = filepath.Join(home, ".docker")
	}
	return config.Load(dir)
}

// AuthKey is the key the docker CLI files a registry's credentials under:
// the host, or Docker Hub's historical URL.
func AuthKey(registry string) string {
	if registry == name.DefaultRegistry || registry == "docker.io" {
		return authn.DefaultAuthKey
	}
	return registry
}

// CredentialHelper returns the helper (the part after docker-credential-)
// that holds registry's credentials according to cf, or "" when they are in
// the file itself.
func CredentialHelper(cf *configfile.ConfigFile, registry string) string {
	if h, ok := cf.CredentialHelpers[AuthKey(registry)]; ok {
		return h
	}
	return cf.CredentialsStore
}

// resolvedName is what a file in the credentials folder may be called: a
// registry host[:port], or Docker Hub's key with its URL characters
// replaced. The wrapper applies the same rule.
var resolvedName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]+)?$`)

// ResolvedFileName is the file name under XP_CREDENTIALS_DIR for a key.
func ResolvedFileName(key string) (string, bool) {
	if key == authn.DefaultAuthKey {
		return "index.docker.io", true
	}
	return key, resolvedName.MatchString(key)
}

// readResolved reads a credential helper's answer for key from dir.
func readResolved(dir, key string) (authn.AuthConfig, bool, error) {
	file, ok := ResolvedFileName(key)
	if !ok {
		return authn.AuthConfig{}, false, nil
	}
	raw, err := os.ReadFile(filepath.Join(dir, file))
	if errors.Is(err, fs.ErrNotExist) {
		return authn.AuthConfig{}, false, nil
	}
	if err != nil {
		return authn.AuthConfig{}, false, fmt.Errorf("reading resolved credentials: %w", err)
	}
	var got struct{ Username, Secret string }
	if err := json.Unmarshal(raw, &got); err != nil {
		// The content is a secret: say where, not what.
		return authn.AuthConfig{}, false, fmt.Errorf("reading resolved credentials for %s: not a credential helper's JSON answer", key)
	}
	// Helpers return identity tokens under this user name (docker-credential-helpers).
	if got.Username == "<token>" {
		return authn.AuthConfig{IdentityToken: got.Secret}, true, nil
	}
	return authn.AuthConfig{Username: got.Username, Password: got.Secret}, true, nil
}
