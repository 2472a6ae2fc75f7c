package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/x-platform/x-platform/internal/cachekey"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/shortsha"
	"github.com/x-platform/x-platform/internal/ui"
)

// source is a service's files at one commit: a checkout, or a snapshot
// fetched into memory.
type source interface {
	tree(sub string) (string, error)
	dockerfile() ([]byte, error)
}

// checkoutSource reads a checkout that is at the commit.
type checkoutSource struct {
	p      *Pipeline
	s      *manifest.Service
	commit string
}

func (c checkoutSource) tree(sub string) (string, error) {
	return c.p.Git.TreeHash(c.s.AbsDir, c.commit, sub)
}

// dockerfile is read from the commit, as the tree the key covers and the
// build sees are: the worktree could hold a symbolic link leading out of
// the checkout, which would put a file of the machine into the key, or to
// a pipe, which would never end.
func (c checkoutSource) dockerfile() ([]byte, error) {
	return c.p.Git.TreeFile(c.s.AbsDir, c.commit, treePath(c.s), dockerfilePath(c.s))
}

// dockerfilePath is the Dockerfile's path in the repository.
func dockerfilePath(s *manifest.Service) string {
	return path.Join(s.Git.Path, filepath.ToSlash(s.Docker.Dockerfile))
}

// inputs gathers everything the service's image is made from at commit.
func (p *Pipeline) inputs(ctx context.Context, s *manifest.Service, src source, deps map[string]ui.ServiceResult) (cachekey.Inputs, error) {
	in := cachekey.Inputs{Build: s.Scripts.Build, Test: s.Scripts.Test, Env: s.DockerBuilder.Env, Deps: map[string]string{}}
	var err error
	if in.Tree, err = src.tree(treePath(s)); err != nil {
		return in, fmt.Errorf("reading the source tree: %w", err)
	}
	if in.Builder, err = p.builderID(ctx, s); err != nil {
		return in, err
	}
	content, err := src.dockerfile()
	if err != nil {
		return in, fmt.Errorf("reading the Dockerfile: %w", err)
	}
	parts := []string{string(content), s.Docker.Dockerfile, s.Docker.Context, s.Docker.Target}
	if pl := p.platforms(s); len(pl) > 0 {
		// The same tree built for another platform is another image.
		parts = append(parts, strings.Join(pl, ","))
	}
	in.Dockerfile = cachekey.Digest(parts...)

	refs := map[string]string{}
	for _, d := range s.Deps {
		r, ok := deps[d]
		if !ok || r.Digest == "" {
			return in, fmt.Errorf("dependency %s has no pushed image to build from", d)
		}
		in.Deps[d] = r.Digest
		refs[d] = image.Cut(r.Image).WithDigest(r.Digest).String()
	}
	if len(s.Docker.BuildArgs) > 0 {
		in.BuildArgs = map[string]string{}
		for k, v := range s.Docker.BuildArgs {
			in.BuildArgs[k] = manifest.ExpandImages(v, func(name string) string { return refs[name] })
		}
	}
	return in, nil
}

// platforms are the platforms s is built for: --platform, else its own.
func (p *Pipeline) platforms(s *manifest.Service) []string {
	if len(p.Platforms) > 0 {
		return p.Platforms
	}
	return s.Docker.Platforms
}

// treePath is the repository folder whose tree the key covers: the
// service's git.path, widened to hold a build context or Dockerfile that
// lies outside it (up to the whole repository).
func treePath(s *manifest.Service) string {
	root := s.Git.Path
	for _, rel := range []string{s.Docker.Context, path.Dir(filepath.ToSlash(s.Docker.Dockerfile))} {
		p := path.Clean(path.Join(root, filepath.ToSlash(rel)))
		for root != "" && p != root && !strings.HasPrefix(p, root+"/") {
			root = path.Dir(root)
			if root == "." {
				root = ""
			}
		}
	}
	return root
}

var errNoBuilder = errors.New("builder image missing")

// builderID is the builder image's ID. A builder that names a registry is
// taken as the registry has it now — pulled when the local copy differs, so
// a builder refreshed from another machine is used, and keyed, here too. A
// local-only builder is the engine's; one that is nowhere is built from
// builders/<name>/ first. Services sharing a builder look it up once.
func (p *Pipeline) builderID(ctx context.Context, s *manifest.Service) (string, error) {
	if !s.HasBuilder() {
		return "", nil
	}
	img := s.DockerBuilder.Image
	if id, ok := p.builderIDs.Load(img); ok {
		return id.(string), nil
	}
	v, err, _ := p.builders.Do("id "+img, func() (any, error) {
		id, err := p.lookupBuilder(ctx, s)
		if err == nil {
			p.builderIDs.Store(img, id)
		}
		return id, err
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

func (p *Pipeline) lookupBuilder(ctx context.Context, s *manifest.Service) (string, error) {
	img := s.DockerBuilder.Image
	info, err := p.Images.Inspect(ctx, img)
	if err != nil {
		return "", err
	}
	if remoteImage(img) {
		cfg, err := p.Registry.Config(ctx, img)
		switch {
		case err == nil && info.Present && cfg.ID != info.ID && !p.dry && !p.RemoteBuilds:
			p.Progress.Stepf(s.Name, "pulling builder image %s (the registry has %s)", img, shortsha.Digest(cfg.ID))
			if err := p.Images.Pull(ctx, img, p.Progress.Output(s.Name)); err != nil {
				return "", fmt.Errorf("pulling builder image %s: %w", img, err)
			}
			return cfg.ID, nil
		case err == nil:
			return cfg.ID, nil
		case !errors.Is(err, image.ErrNotFound):
			return "", fmt.Errorf("looking up builder image %s: %w", img, err)
		}
	}
	if info.Present {
		return info.ID, nil
	}
	if p.dry {
		return "", fmt.Errorf("%w: %s (build would make it from builders/%s)", errNoBuilder, img, BuilderName(img))
	}
	if err := p.ensureBuilder(ctx, s); err != nil {
		return "", err
	}
	if info, err = p.Images.Inspect(ctx, img); err != nil {
		return "", err
	}
	return info.ID, nil
}
