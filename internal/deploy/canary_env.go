package deploy

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/render"
)

// CanaryPromote moves the environment's canary on by one step; after its
// last step it rolls the release out in full, as deploy does, and removes
// the canary. A failed step or gate aborts it (*CanaryAbortedError).
func (e *Environment) CanaryPromote(ctx context.Context) (*Outcome, error) {
	return e.canary(ctx, true)
}

// CanaryAbort removes the environment's canary: the release deployed
// before it runs alone again, and the canary's release is recorded as
// failed.
func (e *Environment) CanaryAbort(ctx context.Context) (*Outcome, error) {
	return e.canary(ctx, false)
}

func (e *Environment) canary(ctx context.Context, promote bool) (*Outcome, error) {
	ctx, d, unlock, err := e.lockedDeployer(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	store := d.store()
	all, err := store.List(ctx)
	if err != nil {
		return nil, err
	}
	rec := pendingCanary(all)
	if rec == nil {
		return nil, &ConfigError{&NoCanaryError{Env: e.Name}}
	}
	current, err := d.Current(ctx)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Env: e.Name, Namespace: d.Namespace, Versions: rec.Services, Canary: rec.Canary, Revision: rec.Revision, Status: rec.Status}
	if !promote {
		err := d.abortCanary(ctx, store, rec, out, current, nil)
		if ae := (*CanaryAbortedError)(nil); errors.As(err, &ae) && ae.Cause == nil {
			e.step("%s", ae.Error())
			return out, nil
		}
		return out, err
	}
	versions := make([]Version, len(rec.Services))
	for i, s := range rec.Services {
		versions[i] = Version{Service: s}
		if ms := e.Manifest.Service(s.Name); ms != nil {
			versions[i].ImageName = ms.Docker.Image
		}
	}
	if d.Tests, err = e.postTests(versions); err != nil {
		return nil, err
	}
	if paused, err := d.stepCanary(ctx, store, rec, out, current); paused || err != nil {
		return out, err
	}
	objs, err := ParseObjects(rec.Manifest)
	if err != nil {
		return out, fmt.Errorf("reading revision %d: %w", rec.Revision, err)
	}
	phases, err := splitPhases(objs)
	if err != nil {
		return out, err
	}
	phases.Pre = nil // ran before the canary started
	return d.conclude(ctx, store, d.applier(), rec, out, current, phases, false)
}

// nameCanaryFiles names the overlay file of each workload a canary
// cannot split, when err says so.
func (e *Environment) nameCanaryFiles(err error) {
	var ce *CanaryError
	if !errors.As(err, &ce) {
		return
	}
	files, ferr := render.Origins(e.Root, e.Name)
	for i, p := range ce.Problems {
		file := render.OverlayDir(e.Root, e.Name)
		if f, ok := files[p.Ref.Kind+"/"+p.Ref.Name]; ok && ferr == nil {
			file = f
		}
		if rel, err := filepath.Rel(e.Manifest.Root, file); err == nil {
			file = rel
		}
		ce.Problems[i].File = file
	}
}

// Canary is the release whose canary runs in the environment, or nil.
func (e *Environment) Canary(ctx context.Context) (*release.Record, error) {
	d, err := e.deployer(ctx)
	if err != nil {
		return nil, err
	}
	all, err := d.store().List(ctx)
	if err != nil {
		return nil, err
	}
	return pendingCanary(all), nil
}
