package pipeline

import (
	"context"
	"io"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

	"github.com/x-platform/x-platform/internal/docker"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/ui"
)

// Syncer brings a checkout to a reference.
type Syncer interface {
	Sync(ctx context.Context, req gitsync.Request) (gitsync.Result, error)
}

// SyncFunc adapts a function, such as gitsync.Sync, to Syncer.
type SyncFunc func(context.Context, gitsync.Request) (gitsync.Result, error)

// Sync calls f.
func (f SyncFunc) Sync(ctx context.Context, req gitsync.Request) (gitsync.Result, error) {
	return f(ctx, req)
}

// Images is what the pipeline asks of the local engine about images.
type Images interface {
	// Local tells whether the engine has ref and the digest it was pushed
	// or pulled with ("" when neither happened).
	Local(ctx context.Context, ref string) (ok bool, digest string, err error)
	Pull(ctx context.Context, ref string, log io.Writer) error
	Push(ctx context.Context, ref string, log io.Writer) (digest string, err error)
	Tag(ctx context.Context, src, dst string) error
}

// Builder runs scripts in builder containers and builds images.
type Builder interface {
	Run(ctx context.Context, spec docker.RunSpec) error
	Build(ctx context.Context, spec docker.BuildSpec) (imageID string, err error)
}

// Registry answers whether an image is in the registry.
type Registry interface {
	Digest(ctx context.Context, ref string) (string, error)
}

// Pipeline holds the clients and options of one run.
type Pipeline struct {
	Git      Syncer
	Images   Images
	Builder  Builder
	Registry Registry
	Progress *ui.Progress

	Manifest *manifest.Manifest
	// RegistryPrefix is the effective registry (the manifest's, or XP_REGISTRY).
	RegistryPrefix string
	// Jobs bounds how many services are worked on at once.
	Jobs int
	// Force saves local work aside instead of refusing to move a checkout.
	Force bool
	// KeepGoing keeps scheduling services after one failed.
	KeepGoing bool
	// User is the uid:gid builder scripts run as.
	User string

	builders singleflight.Group
}

// step is the work done for one service.
type step func(ctx context.Context, s *manifest.Service) ui.ServiceResult

// Build syncs and builds (or reuses) every service given.
func (p *Pipeline) Build(ctx context.Context, services []*manifest.Service) []ui.ServiceResult {
	return p.each(ctx, services, p.buildOne)
}

// SyncOnly brings every checkout to its reference and nothing more.
func (p *Pipeline) SyncOnly(ctx context.Context, services []*manifest.Service) []ui.ServiceResult {
	return p.each(ctx, services, func(ctx context.Context, s *manifest.Service) ui.ServiceResult {
		r := p.newResult(s)
		res, err := p.sync(ctx, s)
		if err != nil {
			return p.fail(r, err)
		}
		r.Commit, r.Saved, r.Action = res.Commit, res.Saved, ui.ActionSynced
		p.Progress.Donef(s.Name, true, "at %s", res.Commit)
		return r
	})
}

// each runs fn for every service with at most Jobs at once, keeping the
// results in the services' order. Once a service fails, services not yet
// started are skipped unless KeepGoing is set.
func (p *Pipeline) each(ctx context.Context, services []*manifest.Service, fn step) []ui.ServiceResult {
	results := make([]ui.ServiceResult, len(services))
	var failed atomic.Bool
	var g errgroup.Group
	g.SetLimit(max(p.Jobs, 1))
	for i, s := range services {
		g.Go(func() error {
			if ctx.Err() != nil || (failed.Load() && !p.KeepGoing) {
				results[i] = p.skipped(s, ctx.Err())
				return nil
			}
			results[i] = fn(ctx, s)
			if results[i].Action == ui.ActionFailed {
				failed.Store(true)
			}
			return nil
		})
	}
	_ = g.Wait()
	return results
}

func (p *Pipeline) newResult(s *manifest.Service) ui.ServiceResult {
	return ui.ServiceResult{Name: s.Name, Reference: s.Git.Reference}
}

func (p *Pipeline) fail(r ui.ServiceResult, err error) ui.ServiceResult {
	r.Action, r.Error = ui.ActionFailed, err.Error()
	p.Progress.Donef(r.Name, false, "%v", err)
	return r
}

func (p *Pipeline) skipped(s *manifest.Service, ctxErr error) ui.ServiceResult {
	r := p.newResult(s)
	r.Action, r.Error = ui.ActionSkipped, "not started: another service failed (use --keep-going to build the rest)"
	if ctxErr != nil {
		r.Error = "not started: " + ctxErr.Error()
	}
	return r
}
