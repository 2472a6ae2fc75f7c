package app

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/retry"
)

// newRegistry is the registry client for m: plain HTTP or unverified TLS
// only for loopback and the registries the manifest or
// XP_INSECURE_REGISTRIES declare insecure.
func newRegistry(m *manifest.Manifest) (*image.Registry, error) {
	hosts, err := insecureFromEnv()
	if err != nil {
		return nil, err
	}
	policy, err := retry.FromEnv()
	if err != nil {
		return nil, usageError{err}
	}
	return image.NewRegistry(image.WithInsecureRegistries(append(hosts, m.InsecureRegistries...)...), image.WithPolicy(policy)), nil
}

func insecureFromEnv() ([]string, error) {
	var hosts []string
	for _, h := range strings.Split(os.Getenv(image.InsecureEnv), ",") {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		if err := manifest.ValidateInsecureRegistry(h); err != nil {
			return nil, usageError{fmt.Errorf("%s: %w", image.InsecureEnv, err)}
		}
		hosts = append(hosts, h)
	}
	return hosts, nil
}

// credentialHostsCommand tells bin/x-platform, which runs on the host where
// credential helpers live, which registries' credentials to resolve there:
// one line per registry the manifest uses whose credentials come from a
// helper, as <file name> TAB <helper> TAB <server URL>.
func credentialHostsCommand() *cli.Command {
	return &cli.Command{
		Name:   "credential-hosts",
		Usage:  "list the registries whose credentials bin/x-platform resolves on the host",
		Hidden: true,
		Action: func(c *cli.Context) error {
			m, err := loadManifest(c)
			if err != nil {
				return err
			}
			cf, err := image.DockerConfig()
			if err != nil {
				return fmt.Errorf("reading the docker config: %w", err)
			}
			for _, reg := range usedRegistries(m) {
				key := image.AuthKey(reg)
				helper := image.CredentialHelper(cf, reg)
				file, ok := image.ResolvedFileName(key)
				if helper == "" || !ok {
					continue
				}
				if _, err := fmt.Fprintf(c.App.Writer, "%s\t%s\t%s\n", file, helper, key); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// usedRegistries lists, once each, the registries m pushes to and pulls
// builder images from.
func usedRegistries(m *manifest.Manifest) []string {
	var regs []string
	add := func(ref string) {
		r, err := name.ParseReference(ref)
		if err != nil {
			return // the manifest's checks already reported it
		}
		if reg := r.Context().RegistryStr(); !slices.Contains(regs, reg) {
			regs = append(regs, reg)
		}
	}
	add(m.Registry + "/x")
	for _, s := range m.Services {
		add(s.DockerBuilder.Image)
	}
	return regs
}
