package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/distribution/reference"

	"github.com/tonistiigi/fsutil"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/ui"
)

// BuilderName is the folder under builders/ that makes a builder image: the
// last path component of the image's repository (builders/zbackend:newest →
// zbackend).
func BuilderName(img string) string {
	repo := img
	if named, err := reference.ParseNormalizedNamed(img); err == nil {
		repo = reference.Path(named)
	}
	return path.Base(repo)
}

// remoteImage tells whether an image names a registry explicitly, so that
// pushing or pulling it cannot land on Docker Hub by accident.
func remoteImage(img string) bool {
	first, _, ok := strings.Cut(img, "/")
	return ok && (strings.ContainsAny(first, ".:") || first == "localhost")
}

// ensureBuilder makes sure a service's builder image is where builds take
// it from: the local engine (pulled from its registry), or, for BuildKit
// daemons, its registry; else it is built from builders/<name>/ when that
// exists. Services sharing a builder wait for one another instead of racing.
func (p *Pipeline) ensureBuilder(ctx context.Context, s *manifest.Service) error {
	if !s.HasBuilder() {
		return nil
	}
	img := s.DockerBuilder.Image
	_, err, _ := p.builders.Do(img, func() (any, error) {
		found, err := p.findBuilder(ctx, s.Name, img)
		if err != nil || found {
			return nil, err
		}
		name := BuilderName(img)
		if _, err := os.Stat(p.builderDockerfile(name)); err != nil {
			return nil, fmt.Errorf("builder image %s is missing: run bin/x-update-builder %s", img, name)
		}
		p.Progress.Stepf(s.Name, "builder image %s is missing: building it from builders/%s", img, name)
		_, err = p.buildBuilder(ctx, s.Name, name, []string{img}, nil)
		return nil, err
	})
	if err != nil {
		return fmt.Errorf("preparing builder: %w", err)
	}
	return nil
}

// findBuilder looks for the builder image where builds take it from,
// pulling it into the local engine from its registry when needed.
func (p *Pipeline) findBuilder(ctx context.Context, service, img string) (bool, error) {
	if p.RemoteBuilds {
		if err := p.localBuilders([]string{img}); err != nil {
			return false, err
		}
	} else if info, err := p.Images.Inspect(ctx, img); err != nil || info.Present {
		return info.Present, err
	}
	if !remoteImage(img) {
		return false, nil
	}
	_, err := p.Registry.Digest(ctx, img)
	switch {
	case errors.Is(err, image.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("looking up builder image %s: %w", img, err)
	case p.RemoteBuilds:
		return true, nil
	}
	p.Progress.Stepf(service, "pulling builder image %s", img)
	return true, p.Images.Pull(ctx, img, p.Progress.Output(service))
}

func (p *Pipeline) builderDockerfile(name string) string {
	return filepath.Join(p.Manifest.Root, "builders", name, "Dockerfile")
}

// buildBuilder builds builders/<name> as images and says whether the
// daemon pushed them (else they are in the engine's images); what it
// pushed is signed.
func (p *Pipeline) buildBuilder(ctx context.Context, service, name string, images []string, args map[string]string) (bool, error) {
	if err := p.localBuilders(images); err != nil {
		return false, err
	}
	out := p.Progress.Output(service)
	defer out.Close()
	dir := filepath.Dir(p.builderDockerfile(name))
	src, err := fsutil.NewFS(dir)
	if err != nil {
		return false, fmt.Errorf("reading builders/%s: %w", name, err)
	}
	res, err := p.Builder.Build(ctx, &buildkit.Spec{
		Name:       service,
		Source:     src,
		Dockerfile: "Dockerfile",
		Context:    ".",
		BuildArgs:  args,
		Labels:     map[string]string{"io.x-platform.builder": name},
		Names:      images,
		Insecure:   p.PlainHTTP != nil && p.PlainHTTP(images[0]),
		Log:        out,
	})
	if err != nil {
		return false, fmt.Errorf("building builder image %s from builders/%s: %w", images[0], name, err)
	}
	if res.Digest == "" {
		return false, nil
	}
	for _, img := range images {
		if err := p.signBuilder(ctx, service, name, img, res.Digest); err != nil {
			return true, err
		}
	}
	return true, nil
}

// UpdateBuilders rebuilds builders/<name>/ for each name (a builder folder or
// a service name) and tags it as the builder image of every service that
// uses it, pushing the tags that name a registry.
func (p *Pipeline) UpdateBuilders(ctx context.Context, names []string, args map[string]string) ([]ui.ServiceResult, error) {
	targets, err := p.builderTargets(names)
	if err != nil {
		return nil, err
	}
	var results []ui.ServiceResult
	for _, t := range targets {
		r := ui.ServiceResult{Name: t.name, Image: strings.Join(t.images, ",")}
		if err := p.updateBuilder(ctx, t, args); err != nil {
			results = append(results, p.fail(r, err))
			continue
		}
		r.Action = ui.ActionBuilt
		p.Progress.Donef(t.name, true, "builder %s ready", r.Image)
		results = append(results, r)
	}
	return results, nil
}

type builderTarget struct {
	name   string
	images []string
}

// builderTargets maps names to builder folders and the images made from them.
func (p *Pipeline) builderTargets(names []string) ([]builderTarget, error) {
	var out []builderTarget
	for _, n := range names {
		name := n
		if s := p.Manifest.Service(n); s != nil {
			if !s.HasBuilder() {
				return nil, &UsageError{fmt.Sprintf("service %s has no builder image: it is built by its Dockerfile alone (give it a dockerBuilder in %s for one)", n, p.Manifest.Path)}
			}
			name = BuilderName(s.DockerBuilder.Image)
		}
		if _, err := os.Stat(p.builderDockerfile(name)); err != nil {
			return nil, &UsageError{fmt.Sprintf("no builders/%s/Dockerfile for %q (builders are folders under %s)", name, n, filepath.Join(p.Manifest.Root, "builders"))}
		}
		t := builderTarget{name: name}
		seen := map[string]bool{}
		for _, s := range p.Manifest.Services {
			img := s.DockerBuilder.Image
			if BuilderName(img) == name && !seen[img] {
				seen[img] = true
				t.images = append(t.images, img)
			}
		}
		if len(t.images) == 0 {
			return nil, &UsageError{fmt.Sprintf("no service in %s uses builder %q", p.Manifest.Path, name)}
		}
		out = append(out, t)
	}
	return out, nil
}

func (p *Pipeline) updateBuilder(ctx context.Context, t builderTarget, args map[string]string) error {
	p.Progress.Stepf(t.name, "building builders/%s as %s", t.name, strings.Join(t.images, ", "))
	pushed, err := p.buildBuilder(ctx, t.name, t.name, t.images, args)
	if err != nil || pushed {
		return err
	}
	out := p.Progress.Output(t.name)
	defer out.Close()
	for _, img := range t.images {
		if !remoteImage(img) {
			p.Progress.Stepf(t.name, "%s names no registry: kept in the local engine only", img)
			continue
		}
		digest, err := p.Images.Push(ctx, img, out)
		if err != nil {
			return fmt.Errorf("pushing %s: %w", img, err)
		}
		if err := p.signBuilder(ctx, t.name, t.name, img, digest); err != nil {
			return err
		}
	}
	return nil
}

// CheckBuilders refuses, before anything is built, builder images that the
// daemons builds run on cannot take.
func (p *Pipeline) CheckBuilders(services []*manifest.Service) error {
	var images []string
	for _, s := range services {
		if s.HasBuilder() {
			images = append(images, s.DockerBuilder.Image)
		}
	}
	return p.localBuilders(images)
}

// localBuilders refuses builder images that name no registry when builds
// run on BuildKit daemons, which see registries only.
func (p *Pipeline) localBuilders(images []string) error {
	if !p.RemoteBuilds {
		return nil
	}
	for _, img := range images {
		if !remoteImage(img) {
			return &UsageError{fmt.Sprintf("builder image %s names no registry, and the BuildKit daemons in builders: pull images from registries only: name it <registry>/%s in %s", img, img, p.Manifest.Path)}
		}
	}
	return nil
}

// UsageError is a mistake in what the user asked for (exit code 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// UsageError says the mistake is the user's to fix (exit code 2).
func (*UsageError) UsageError() bool { return true }
