package buildkit

import (
	"context"
	"fmt"
	"net"

	"github.com/docker/docker/client"
	bk "github.com/moby/buildkit/client"

	// Schemes that buildctl knows: docker-container://NAME and kube-pod://NAME.
	_ "github.com/moby/buildkit/client/connhelper/dockercontainer"
	_ "github.com/moby/buildkit/client/connhelper/kubepod"
)

// Engine is the part of the Docker engine's API that reaches its BuildKit.
type Engine interface {
	DialHijack(ctx context.Context, url, proto string, meta map[string][]string) (net.Conn, error)
	ClientVersion() string
}

var _ Engine = (*client.Client)(nil)

// DockerAddress names the Docker engine's own BuildKit among endpoints.
const DockerAddress = "docker"

// Endpoint is a BuildKit daemon to build on.
type Endpoint struct {
	// Address is DockerAddress, unix://, tcp://, docker-container:// or kube-pod://.
	Address string
	// CA, Cert and Key are PEM files for tcp:// with TLS; ServerName
	// overrides the name checked in the daemon's certificate.
	CA, Cert, Key, ServerName string
	// Jobs bounds the builds run on this daemon at once; 0 is DefaultJobs.
	Jobs int
}

// DefaultJobs is how many builds one daemon runs at once unless told.
const DefaultJobs = 4

func (e Endpoint) String() string {
	if e.Address == DockerAddress {
		return "the Docker engine's BuildKit"
	}
	return e.Address
}

func (e Endpoint) jobs() int {
	if e.Jobs > 0 {
		return e.Jobs
	}
	return DefaultJobs
}

// Dial makes a client of the endpoint without contacting it; engine is used
// only for DockerAddress. The engine's BuildKit answers on the engine API's
// /grpc and /session endpoints, as buildx's docker driver reaches it.
func Dial(ctx context.Context, e Endpoint, engine Engine) (*bk.Client, error) {
	var opts []bk.ClientOpt
	address := e.Address
	if address == DockerAddress {
		if engine == nil {
			return nil, fmt.Errorf("connecting to %s: no Docker engine", e)
		}
		address = ""
		opts = append(opts,
			bk.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
				return engine.DialHijack(ctx, "/grpc", "h2c", nil)
			}),
			bk.WithSessionDialer(func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
				return engine.DialHijack(ctx, "/session", proto, meta)
			}))
	}
	if e.CA != "" || e.Cert != "" {
		opts = append(opts, bk.WithServerConfig(e.ServerName, e.CA), bk.WithCredentials(e.Cert, e.Key))
	}
	c, err := bk.New(ctx, address, opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", e, err)
	}
	return c, nil
}
