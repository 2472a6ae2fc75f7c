package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/x-platform/x-platform/internal/docker"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/ui"
)

// buildOne takes one service from its reference to a pushed image.
func (p *Pipeline) buildOne(ctx context.Context, s *manifest.Service) ui.ServiceResult {
	start := time.Now()
	r := p.newResult(s)
	res, err := p.sync(ctx, s)
	if err != nil {
		return p.fail(r, err)
	}
	r.Commit, r.Saved = res.Commit, res.Saved
	r.Image = image.Name(p.RegistryPrefix, s.Docker.Image, res.Commit)

	action, digest, err := p.reuse(ctx, s, r.Image)
	if err == nil && action == "" {
		action = ui.ActionBuilt
		digest, err = p.build(ctx, s, res, r.Image)
	}
	if err != nil {
		return p.fail(r, err)
	}
	r.Action, r.Digest = action, digest
	p.Progress.Donef(s.Name, true, "%s %s (%s)", action, r.Image, time.Since(start).Round(time.Millisecond))
	return r
}

func (p *Pipeline) sync(ctx context.Context, s *manifest.Service) (gitsync.Result, error) {
	p.Progress.Debugf(s.Name, "syncing %s at %s", s.Git.Remote, s.Git.Reference)
	res, err := p.Git.Sync(ctx, gitsync.Request{
		Remote:    s.Git.URL,
		Dir:       s.AbsDir,
		Reference: s.Git.Reference,
		Force:     p.Force,
		BackupDir: filepath.Join(p.Manifest.Root, ".x-platform", "backups", s.Name),
	})
	if err != nil {
		return res, fmt.Errorf("syncing %s: %w", s.Dir, err)
	}
	for _, line := range res.Saved {
		p.Progress.Stepf(s.Name, "saved local work: %s", line)
	}
	return res, nil
}

// reuse looks for the commit's image in the local engine, then in the
// registry. An empty action means neither has it.
func (p *Pipeline) reuse(ctx context.Context, s *manifest.Service, ref string) (ui.Action, string, error) {
	ok, digest, err := p.Images.Local(ctx, ref)
	if err != nil {
		return "", "", err
	}
	if ok {
		if digest == "" {
			// Built here before, but its push never finished.
			p.Progress.Stepf(s.Name, "image present but never pushed: pushing %s", ref)
			if digest, err = p.Images.Push(ctx, ref, p.Progress.Output(s.Name)); err != nil {
				return "", "", fmt.Errorf("pushing %s: %w", ref, err)
			}
		}
		return ui.ActionPresent, digest, nil
	}
	digest, err = p.Registry.Digest(ctx, ref)
	switch {
	case errors.Is(err, image.ErrNotFound):
		return "", "", nil
	case err != nil:
		return "", "", fmt.Errorf("looking up %s in the registry: %w", ref, err)
	}
	p.Progress.Stepf(s.Name, "pulling %s", ref)
	if err := p.Images.Pull(ctx, ref, p.Progress.Output(s.Name)); err != nil {
		return "", "", fmt.Errorf("pulling %s: %w", ref, err)
	}
	return ui.ActionPulled, digest, nil
}

// build runs the scripts, builds the image and pushes the SHA tag, then the
// branch or tag name — the latter only once the SHA is safely in the registry.
func (p *Pipeline) build(ctx context.Context, s *manifest.Service, res gitsync.Result, ref string) (string, error) {
	if err := p.ensureBuilder(ctx, s); err != nil {
		return "", err
	}
	if err := p.runScripts(ctx, s, res.Commit); err != nil {
		return "", err
	}
	out := p.Progress.Output(s.Name)
	defer out.Close()
	p.Progress.Stepf(s.Name, "building image %s", ref)
	_, err := p.Builder.Build(ctx, docker.BuildSpec{
		ContextDir: filepath.Join(s.AbsDir, s.Docker.Context),
		Dockerfile: filepath.Join(s.AbsDir, s.Docker.Dockerfile),
		Target:     s.Docker.Target,
		BuildArgs:  s.Docker.BuildArgs,
		Tags:       []string{ref},
		Labels:     labels(s, res.Commit),
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
	tag := gitsync.BranchTag(res.Name)
	if res.Kind == gitsync.Commit || tag == "" {
		return digest, nil
	}
	named := image.Name(p.RegistryPrefix, s.Docker.Image, tag)
	if err := p.Images.Tag(ctx, ref, named); err != nil {
		return "", fmt.Errorf("tagging %s: %w", named, err)
	}
	if _, err := p.Images.Push(ctx, named, out); err != nil {
		return "", fmt.Errorf("pushing %s: %w", named, err)
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
		"org.opencontainers.image.source":   redact(s.Git.Remote),
		"io.x-platform.service":             s.Name,
		"io.x-platform.reference":           s.Git.Reference,
	}
}
