package buildkit

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/moby/buildkit/session"
)

// Daemon builds on one BuildKit endpoint.
type Daemon struct {
	Endpoint Endpoint
	// Engine reaches the Docker engine's BuildKit (Endpoint DockerAddress).
	Engine Engine
	// Keychain answers the daemon's registry logins.
	Keychain authn.Keychain
}

// Moby says whether builds land in the Docker engine's images rather than
// being pushed by the daemon.
func (d *Daemon) Moby() bool { return d.Endpoint.Address == DockerAddress }

// Build runs one service build on the daemon.
func (d *Daemon) Build(ctx context.Context, spec *Spec) (Result, error) {
	if len(spec.Names) == 0 {
		return Result{}, fmt.Errorf("building %s: the image has no name", spec.Name)
	}
	if spec.Builder == "" && len(spec.Lines) > 0 {
		return Result{}, fmt.Errorf("building %s: %d script lines but no builder image to run them in", spec.Name, len(spec.Lines))
	}
	if d.Moby() && len(spec.Platforms) > 1 {
		return Result{}, fmt.Errorf("building %s for %s: the Docker engine's image store holds one platform per name; build on a BuildKit daemon (builders: or --builder) for several", spec.Name, strings.Join(spec.Platforms, ", "))
	}
	c, err := Dial(ctx, d.Endpoint, d.Engine)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	kc := d.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	res, err := solve(ctx, c, spec, d.Moby(), []session.Attachable{authFrom(kc)})
	res.Daemon = d.Endpoint.String()
	return res, err
}
