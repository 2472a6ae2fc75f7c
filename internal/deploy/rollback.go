package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/shortsha"
)

// Rollback re-applies an earlier release and records it as a new revision:
// revision to, or with to = 0 the release deployed before the current one
// (the current one itself when the latest deploy failed and was left in place).
func (d *Deployer) Rollback(ctx context.Context, to int) (*Outcome, error) {
	ctx, unlock, err := d.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	store := d.store()
	all, err := store.List(ctx)
	if err != nil {
		return nil, err
	}
	// A canary is aborted first, by canary abort: that restores the
	// release deployed before it, which may be all the rollback wanted.
	if p := pendingCanary(all); p != nil {
		return nil, &CanaryPendingError{Env: d.Env, Revision: p.Revision, Step: p.Canary.Step}
	}
	target, err := rollbackTarget(all, to, d.Env)
	if err != nil {
		return nil, err
	}
	if err := d.checkRestore(ctx, target); err != nil {
		return nil, err
	}
	d.step("rolling back to revision %d (%s)", target.Revision, describe(target.Services))
	out, err := d.restore(ctx, store, target, fmt.Sprintf("rollback to %d", target.Revision), d.RunPhases)
	if err != nil {
		return out, err
	}
	switch out.Status {
	case release.Interrupted:
		return out, &InterruptedError{Env: d.Env, Revision: out.Revision}
	case release.Unknown:
		return out, &UnknownOutcomeError{Env: d.Env, Revision: out.Revision, Err: out.Failure}
	}
	if out.Failure != nil {
		return out, fmt.Errorf("rolling %s back to revision %d failed (recorded as revision %d): %w", d.Env, target.Revision, out.Revision, out.Failure)
	}
	return out, nil
}

// rollbackTarget picks the release to go back to from all, oldest first.
func rollbackTarget(all []*release.Record, to int, env string) (*release.Record, error) {
	if to > 0 {
		for _, r := range all {
			if r.Revision == to {
				return r, nil
			}
		}
		return nil, &ConfigError{fmt.Errorf("%s has no revision %d (see x-platform history --env %s)", env, to, env)}
	}
	current := 0
	for _, r := range all {
		if r.Status == release.Deployed {
			current = r.Revision
		}
	}
	// After a failed, interrupted or unknown deploy that was not rolled back
	// the cluster runs (some of) that release: going back means restoring the one deployed.
	if n := len(all); n > 0 && !all[n-1].Status.Settled() && current > 0 {
		for _, r := range all {
			if r.Revision == current {
				return r, nil
			}
		}
	}
	for i := len(all) - 1; i >= 0; i-- {
		if r := all[i]; r.Status == release.Superseded && (current == 0 || r.Revision < current) {
			return r, nil
		}
	}
	return nil, fmt.Errorf("%w: %s has no earlier deployed release to roll back to", release.ErrNoRelease, env)
}

// restore applies target's recorded objects, tracks them and records the
// result as a new revision with the given description. Its phase Jobs
// (migrations, say) run again only with runPhases.
func (d *Deployer) restore(ctx context.Context, store *release.Store, target *release.Record, description string, runPhases bool) (*Outcome, error) {
	objs, err := ParseObjects(target.Manifest)
	if err != nil {
		return nil, fmt.Errorf("reading revision %d: %w", target.Revision, err)
	}
	if len(objs) == 0 && len(target.Objects) > 0 {
		// Applied as it is, an empty set would prune every object.
		return nil, fmt.Errorf("revision %d's record lists %d objects but holds none of them: deploy that revision's commits instead", target.Revision, len(target.Objects))
	}
	if err := d.unmaskSOPS(ctx, target.Revision, objs); err != nil {
		return nil, err
	}
	phases, err := splitPhases(objs)
	if err != nil {
		return nil, fmt.Errorf("reading revision %d: %w", target.Revision, err)
	}
	if !phases.Empty() && !runPhases {
		d.step("not running the phases of revision %d again (%s); rollback --run-phases runs them", target.Revision, phaseNames(phases))
		phases.Pre, phases.Post = nil, nil
	}
	var running *release.Record // what a failed pre-deploy Job leaves running
	if len(phases.Pre) > 0 {
		if running, err = d.Current(ctx); err != nil {
			return nil, err
		}
	}
	out := &Outcome{Env: d.Env, Namespace: d.Namespace, Versions: target.Services}
	rec := &release.Record{Services: target.Services, Objects: target.Objects, Manifest: target.Manifest, Description: description}
	if err := d.begin(ctx, store, rec); err != nil {
		return nil, err
	}
	if err := d.preDeploy(ctx, store, rec, out, running, phases); err != nil {
		return out, err
	}
	out.Failure = d.rollout(ctx, d.applier(), phases.Main, out)
	d.postDeploy(ctx, rec, out, phases)
	if lost := leaseLost(ctx); lost != nil {
		return out, lost
	}
	settle(ctx, rec, out.Failure, description)
	if err := d.finish(ctx, store, rec); err != nil {
		return out, err
	}
	out.Revision, out.Status = rec.Revision, rec.Status
	if out.Failure == nil {
		d.step("revision %d deployed (%s)", rec.Revision, description)
	}
	return out, nil
}

// checkRestore is what must hold before rec is re-applied: its images are
// still in their registries and pass Check.
func (d *Deployer) checkRestore(ctx context.Context, rec *release.Record) error {
	if err := d.checkImages(ctx, rec); err != nil {
		return err
	}
	versions := make([]Version, len(rec.Services))
	for i, s := range rec.Services {
		versions[i] = Version{Service: s}
	}
	if err := d.check(ctx, versions); err != nil {
		return fmt.Errorf("not rolling back to revision %d: checking its images: %w", rec.Revision, err)
	}
	return nil
}

func (d *Deployer) check(ctx context.Context, versions []Version) error {
	if d.Check == nil {
		return nil
	}
	return d.Check(ctx, versions)
}

// checkImages makes sure the images of rec are still in their registries,
// asking for each manifest by digest. Only an image the registry says it
// does not have stops a rollback: one that cannot be asked is tried.
func (d *Deployer) checkImages(ctx context.Context, rec *release.Record) error {
	if d.Images == nil {
		return nil
	}
	var missing []string
	for _, s := range rec.Services {
		ref := s.Image.WithDigest(s.Digest)
		_, err := d.Images.Digest(ctx, ref)
		switch {
		case errors.Is(err, image.ErrNotFound):
			missing = append(missing, ref.String())
		case err != nil:
			d.step("warning: cannot check that %s is still in its registry: %v", ref, err)
		}
	}
	if len(missing) > 0 {
		return &ImagesGoneError{Revision: rec.Revision, Missing: missing}
	}
	return nil
}

// describe lists a release's services and commits, short.
func describe(services []release.Service) string {
	parts := make([]string, len(services))
	for i, s := range services {
		parts[i] = s.Name + "@" + shortsha.Commit(s.CommitOrTag())
	}
	return strings.Join(parts, ", ")
}

// History lists the environment's release records, oldest first.
func (d *Deployer) History(ctx context.Context) ([]*release.Record, error) {
	return d.store().List(ctx)
}
