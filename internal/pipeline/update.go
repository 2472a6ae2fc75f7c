package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
)

// UpdateBuilders rebuilds builders/<name>/ for each name (a builder folder or
// a service name) and tags it as the builder image of every service that
// uses it, pushing the tags that name a registry.
func (p *Pipeline) UpdateBuilders(ctx context.Context, names []string, args map[string]string) ([]report.ServiceResult, error) {
	r := p.newRun(false)
	targets, err := r.builders.targets(names)
	if err != nil {
		return nil, err
	}
	var results []report.ServiceResult
	for _, t := range targets {
		res := report.ServiceResult{Name: t.name, Image: strings.Join(t.images, ",")}
		if err := r.builders.update(ctx, t, args); err != nil {
			results = append(results, r.fail(res, err))
			continue
		}
		res.Action = report.ActionBuilt
		p.Progress.Donef(t.name, true, "builder %s ready", res.Image)
		results = append(results, res)
	}
	return results, nil
}

type builderTarget struct {
	name   string
	images []string
}

// builderTargets maps names to builder folders and the images made from them.
func (b *builderImages) targets(names []string) ([]builderTarget, error) {
	p := b.r
	var out []builderTarget
	for _, n := range names {
		name := n
		if s := p.Manifest.Service(n); s != nil {
			if !s.HasBuilder() {
				return nil, &UsageError{fmt.Sprintf("service %s has no builder image: it is built by its Dockerfile alone (give it a dockerBuilder in %s for one)", n, p.Manifest.Path)}
			}
			name = BuilderName(s.DockerBuilder.Image)
		}
		if _, err := os.Stat(b.dockerfile(name)); err != nil {
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

// update builds the target's folder as its images, pushes those that
// name a registry and signs them; the run resolves them afresh after.
func (b *builderImages) update(ctx context.Context, t builderTarget, args map[string]string) error {
	r := b.r
	defer func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, img := range t.images {
			delete(b.by, img)
		}
	}()
	r.Progress.Stepf(t.name, "building builders/%s as %s", t.name, strings.Join(t.images, ", "))
	pushed, err := b.build(ctx, t.name, t.name, t.images, args)
	if err != nil || pushed {
		return err
	}
	out := r.Progress.Output(t.name)
	defer out.Close()
	for _, img := range t.images {
		if !remoteImage(img) {
			r.Progress.Stepf(t.name, "%s names no registry: kept in the local engine only", img)
			continue
		}
		digest, err := r.Images.Push(ctx, img, out)
		if err != nil {
			return err
		}
		if err := b.sign(ctx, t.name, t.name, img, digest); err != nil {
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
