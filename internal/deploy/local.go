package deploy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
)

// localPrefix starts the reference of a service deployed from an image
// built from a working folder: "local:<folder>".
const localPrefix = "local:"

// IsLocal says whether a released service runs an image built from a
// working folder (build --local) rather than from a commit.
func IsLocal(s release.Service) bool {
	return strings.HasPrefix(s.Reference, localPrefix)
}

// LocalFolder is a service taken from a working folder (deploy --local):
// the folder, and the tag its image has, dirty-<content hash>.
type LocalFolder struct {
	Dir string
	Tag string
}

// ProtectedError refuses images built from working folders in an
// environment marked protected, or one that requires signatures: such an
// image's provenance names no commit to check it against.
type ProtectedError struct {
	Env      string
	Services []string
	// Signatures says the environment requires signatures (and may not be
	// marked protected).
	Signatures bool
}

func (e *ProtectedError) Error() string {
	why := "is protected"
	if e.Signatures {
		why = "requires signatures"
	}
	return fmt.Sprintf("environment %s %s: it takes no image built from a working folder (%s); deploy committed builds instead, without --local or %s",
		e.Env, why, strings.Join(e.Services, ", "), manifest.LocalFileName)
}

// refusesLocal says why the environment takes no image built from a
// working folder, or nil when it takes them.
func (e *Environment) refusesLocal(services []string) error {
	if !e.Settings.Protected && !e.Settings.RequireSignatures {
		return nil
	}
	return &ConfigError{&ProtectedError{Env: e.Name, Services: services, Signatures: !e.Settings.Protected}}
}

// resolveLocal takes the services of e.Local out of services and finds
// their folders' images in the registry; a protected environment refuses
// them before anything is asked.
func (e *Environment) resolveLocal(ctx context.Context, services []*manifest.Service) (map[string]Version, []*manifest.Service, error) {
	var rest, local []*manifest.Service
	for _, s := range services {
		if _, ok := e.Local[s.Name]; ok {
			local = append(local, s)
		} else {
			rest = append(rest, s)
		}
	}
	if len(local) == 0 {
		return nil, services, nil
	}
	names := make([]string, len(local))
	for i, s := range local {
		names[i] = s.Name
	}
	if err := e.refusesLocal(names); err != nil {
		return nil, nil, err
	}
	if e.Images == nil {
		return nil, nil, errors.New("resolving images: no registry to ask")
	}
	out := map[string]Version{}
	var me MissingImagesError
	for _, s := range local {
		f := e.Local[s.Name]
		ref := image.NewRef(e.Manifest.Registry, s.Docker.Image, f.Tag)
		v := Version{ImageName: s.Docker.Image, Service: release.Service{
			Name: s.Name, Reference: localPrefix + f.Dir, Tag: f.Tag, Image: ref,
		}}
		digest, err := e.Images.Digest(ctx, ref)
		switch {
		case errors.Is(err, image.ErrNotFound):
			me.Missing = append(me.Missing, Missing{Service: s.Name, Image: v.Image.String(),
				Reason: fmt.Sprintf("%s is not in the registry: build it first with x-platform build --local %s=%s", v.Image, s.Name, f.Dir)})
			continue
		case err != nil:
			return nil, nil, fmt.Errorf("looking up %s: %w", v.Image, err)
		}
		v.Digest = digest
		out[s.Name] = v
	}
	if len(me.Missing) > 0 {
		return nil, nil, &me
	}
	return out, rest, nil
}

// inOrder puts the local versions back among the others in the order of
// services.
func inOrder(services []*manifest.Service, local map[string]Version, rest []Version) []Version {
	pos := map[string]int{}
	for i, s := range services {
		pos[s.Name] = i
	}
	out := append([]Version(nil), rest...)
	for _, v := range local {
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool { return pos[out[i].Name] < pos[out[j].Name] })
	return out
}

// refuseLocal stops a deploy to a protected environment, or one that
// requires signatures, that would keep a service on an image built from a
// working folder (one deployed before the environment was protected).
func (e *Environment) refuseLocal(versions []Version) error {
	var names []string
	for _, v := range versions {
		if IsLocal(v.Service) {
			names = append(names, v.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return e.refusesLocal(names)
}
