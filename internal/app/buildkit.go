package app

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/pipeline"
	"github.com/x-platform/x-platform/internal/ui"
)

func builderFlag() *cli.StringSliceFlag {
	return &cli.StringSliceFlag{
		Name:    "builder",
		EnvVars: []string{"XP_BUILDERS"},
		Usage:   "BuildKit daemons to build on, comma-separated: docker (the Docker engine's own), unix://, tcp://, docker-container://NAME, kube-pod://NAME (default: the manifest's builders:, else docker)",
	}
}

// secretFlag is repeated, one secret each: its value holds commas, which a
// string slice flag would split. Each command gets its own, so values never
// carry over from one run to the next.
func secretFlag() cli.Flag {
	return &cli.GenericFlag{
		Name:  "secret",
		Value: &repeated{},
		Usage: "a secret for every service's build, `id=ID,src=FILE` or `id=ID,env=VAR` (repeat for more), at /run/secrets/ID and RUN --mount=type=secret,id=ID",
	}
}

// repeated collects every value of a flag given several times.
type repeated struct{ values []string }

func (r *repeated) Set(v string) error { r.values = append(r.values, v); return nil }
func (r *repeated) String() string     { return strings.Join(r.values, " ") }

func platformFlag() *cli.StringSliceFlag {
	return &cli.StringSliceFlag{
		Name:  "platform",
		Usage: "platforms to build every service for, such as linux/amd64,linux/arm64 (default: each service's docker.platforms, else the daemon's)",
	}
}

// platforms reads --platform.
func platforms(c *cli.Context) ([]string, error) {
	var list []string
	for _, v := range c.StringSlice(platformFlag().Name) {
		list = append(list, strings.Split(v, ",")...)
	}
	out, err := manifest.ParsePlatforms(list)
	if err != nil {
		return nil, usageError{fmt.Errorf("--platform: %w", err)}
	}
	return out, nil
}

// builderTLSEnv names a folder with ca.pem, cert.pem and key.pem for the
// tcp:// daemons given with --builder, as DOCKER_CERT_PATH does for docker.
const builderTLSEnv = "XP_BUILDER_CERT_PATH"

// endpoints are the daemons builds run on: --builder, else the manifest's
// builders:, else the Docker engine's BuildKit.
func endpoints(c *cli.Context, m *manifest.Manifest) ([]manifest.BuildkitEndpoint, error) {
	var flags []string
	for _, v := range c.StringSlice(builderFlag().Name) {
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				flags = append(flags, a)
			}
		}
	}
	if len(flags) == 0 {
		if len(m.Builders) > 0 {
			return m.Builders, nil
		}
		return []manifest.BuildkitEndpoint{{Address: buildkit.DockerAddress}}, nil
	}
	var out []manifest.BuildkitEndpoint
	for _, a := range flags {
		ep, err := manifest.ParseBuilderAddress(a)
		if err != nil {
			return nil, usageError{fmt.Errorf("--builder %s: %w", a, err)}
		}
		if dir := os.Getenv(builderTLSEnv); dir != "" && strings.HasPrefix(a, "tcp://") {
			ep.CA, ep.Cert, ep.Key = dir+"/ca.pem", dir+"/cert.pem", dir+"/key.pem"
		}
		out = append(out, ep)
	}
	return out, nil
}

// newBuilders makes the pool builds run on; remote says whether any
// daemon is not the engine's, so builder images come from registries.
func newBuilders(eps []manifest.BuildkitEndpoint, eng buildkit.Engine, prog *ui.Progress) (pool *buildkit.Pool, remote bool) {
	var daemons []*buildkit.Daemon
	for _, e := range eps {
		remote = remote || e.Address != buildkit.DockerAddress
		daemons = append(daemons, &buildkit.Daemon{
			Endpoint: buildkit.Endpoint{Address: e.Address, CA: e.CA, Cert: e.Cert, Key: e.Key, ServerName: e.ServerName, Jobs: e.Jobs},
			Engine:   eng,
			Keychain: image.Keychain(),
		})
	}
	pool = buildkit.NewPool(daemons...)
	pool.Notify = func(service, msg string) { prog.Stepf(service, "%s", msg) }
	return pool, remote
}

// defaultJobs is --jobs unless given: the CPUs of this machine, which the
// engine's BuildKit shares, or enough to keep every remote daemon busy.
func defaultJobs(c *cli.Context, pool *buildkit.Pool, remote bool) int {
	if c.IsSet("jobs") {
		return max(c.Int("jobs"), 1)
	}
	if !remote {
		return runtime.NumCPU()
	}
	return max(runtime.NumCPU(), pool.Jobs())
}

// secrets reads --secret values.
func secrets(c *cli.Context) (map[string][]byte, error) {
	out := map[string][]byte{}
	var given []string
	if r, ok := c.Generic("secret").(*repeated); ok {
		given = r.values
	}
	for _, v := range given {
		sec, err := parseSecret(v)
		if err == nil {
			out[sec.ID], err = pipeline.ReadSecret(sec)
		}
		if err != nil {
			return nil, usageError{fmt.Errorf("--secret %s: %w", v, err)}
		}
	}
	return out, nil
}

// parseSecret reads id=ID,src=FILE or id=ID,env=VAR, as docker build's
// --secret does (source= and file= for src=).
func parseSecret(v string) (manifest.Secret, error) {
	var s manifest.Secret
	for _, kv := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(kv, "=")
		switch {
		case !ok:
			return s, fmt.Errorf("%q is not key=value", kv)
		case k == "id":
			s.ID = val
		case k == "src" || k == "source" || k == "file":
			s.File = val
		case k == "env":
			s.Env = val
		default:
			return s, fmt.Errorf("unknown key %q (id, src, env)", k)
		}
	}
	if s.ID == "" || (s.File == "") == (s.Env == "") {
		return s, fmt.Errorf("want id=ID and one of src=FILE or env=VAR")
	}
	return s, nil
}
