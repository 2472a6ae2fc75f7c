package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"

	"github.com/x-platform/x-platform/internal/cachekey"
	"github.com/x-platform/x-platform/internal/docker"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"

	"github.com/x-platform/x-platform/internal/redact"
)

// build runs the scripts, builds the image labelled with its key, and pushes
// it under the commit's tag and its key's tag.
func (p *Pipeline) build(ctx context.Context, s *manifest.Service, res gitsync.Result, ref string, in cachekey.Inputs) (string, error) {
	if err := p.ensureBuilder(ctx, s); err != nil {
		return "", err
	}
	if err := p.runScripts(ctx, s, res.Commit); err != nil {
		return "", err
	}
	out := p.Progress.Output(s.Name)
	defer out.Close()
	keyRef := image.Name(p.RegistryPrefix, s.Docker.Image, in.Tag())
	labels := labels(s, res.Commit)
	maps.Copy(labels, in.Labels())
	p.Progress.Stepf(s.Name, "building image %s", ref)
	_, err := p.Builder.Build(ctx, docker.BuildSpec{
		ContextDir: filepath.Join(s.SourceDir(), s.Docker.Context),
		Dockerfile: filepath.Join(s.SourceDir(), s.Docker.Dockerfile),
		Target:     s.Docker.Target,
		BuildArgs:  in.BuildArgs,
		Tags:       []string{ref, keyRef},
		Labels:     labels,
		Log:        out,
	})
	if err != nil {
		return "", fmt.Errorf("building image: %w", err)
	}
	p.Progress.Stepf(s.Name, "pushing %s", ref)
	digest, err := p.Images.Push(ctx, ref, out)
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", ref, err)
	}
	if err := p.Registry.Tag(ctx, ref, in.Tag()); err != nil {
		return "", fmt.Errorf("tagging %s with its cache key: %w", ref, err)
	}
	return digest, nil
}

func (p *Pipeline) runScripts(ctx context.Context, s *manifest.Service, commit string) error {
	lines := append(append([]string(nil), s.Scripts.Build...), s.Scripts.Test...)
	if len(lines) == 0 {
		return nil
	}
	out := p.Progress.Output(s.Name)
	defer out.Close()
	p.Progress.Stepf(s.Name, "running %d build and %d test lines in %s", len(s.Scripts.Build), len(s.Scripts.Test), s.DockerBuilder.Image)
	err := p.Builder.Run(ctx, docker.RunSpec{
		Image:   s.DockerBuilder.Image,
		Workdir: s.DockerBuilder.Workdir,
		Dir:     s.Git.Path,
		Mount:   s.AbsDir,
		User:    p.User,
		Env:     []string{"XP_SERVICE=" + s.Name, "XP_COMMIT=" + commit},
		Lines:   lines,
		Stdout:  out,
		Stderr:  out,
		Name:    "xp-" + s.Name,
	})
	var se *docker.ScriptError
	if errors.As(err, &se) {
		kind, n := "build", se.Index
		if se.Index > len(s.Scripts.Build) {
			kind, n = "test", se.Index-len(s.Scripts.Build)
		}
		return fmt.Errorf("%s script line %d `%s` exited with code %d", kind, n, se.Line, se.ExitCode)
	}
	if err != nil {
		return fmt.Errorf("running scripts in %s: %w", s.DockerBuilder.Image, err)
	}
	return nil
}

func labels(s *manifest.Service, commit string) map[string]string {
	return map[string]string{
		"org.opencontainers.image.revision": commit,
		"org.opencontainers.image.source":   redact.Source(s.Git.Remote),
		"io.x-platform.service":             s.Name,
		"io.x-platform.reference":           s.Git.Reference,
	}
}
