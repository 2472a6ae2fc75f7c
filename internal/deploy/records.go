package deploy

import (
	"context"
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/track"
)

// settle gives rec the status and description that failure, the rollout's
// outcome, calls for; description names what was done, "" for a deploy.
func settle(ctx context.Context, rec *release.Record, failure error, description string) {
	var unknown *track.UnreachableError
	prefix := ""
	if description != "" {
		rec.Description, prefix = description, description+" "
	}
	switch {
	case failure == nil:
		rec.Status = release.Deployed
	case ctx.Err() != nil:
		rec.Status, rec.Description = release.Interrupted, prefix+"interrupted part way: the cluster may run some of it"
	case errors.As(failure, &unknown):
		rec.Status, rec.Description = release.Unknown, prefix+"outcome unknown: "+failure.Error()
	default:
		rec.Status, rec.Description = release.Failed, prefix+"failed: "+failure.Error()
	}
}

// recordTimeout bounds the writes of a release record, which go on after
// the deploy's context ends: history must say what an interrupted deploy did.
const recordTimeout = 15 * time.Second

// recording is the context release records are written in: it outlives a
// cancelled ctx (Ctrl-C), but nothing is written once the lock is lost,
// since another run owns the environment's history then.
func recording(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if lost := leaseLost(ctx); lost != nil {
		return nil, nil, lost
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	return ctx, cancel, nil
}

// begin records rec as the next revision, in progress, before anything is
// applied: should the run die, the record says what was being applied. A
// record left in progress by a run that died is marked interrupted first.
func (d *Deployer) begin(ctx context.Context, store *release.Store, rec *release.Record) error {
	ctx, cancel, err := recording(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	all, err := store.List(ctx)
	if err != nil {
		return err
	}
	// The lock is ours, so no live run has a record in progress.
	for _, r := range all {
		if r.Status == release.InProgress {
			r.Status, r.Description = release.Interrupted, r.Description+": interrupted, the run applying it stopped before it finished"
			if err := store.Update(ctx, r); err != nil {
				return err
			}
			d.step("revision %d was left in progress by a run that stopped; it is now recorded as interrupted", r.Revision)
		}
	}
	rev := 1
	if n := len(all); n > 0 {
		rev = all[n-1].Revision + 1
	}
	rec.Revision, rec.Status = rev, release.InProgress
	err = store.Create(ctx, rec)
	if apierrors.IsNotFound(err) {
		// The namespace comes with the overlay: the record is written once
		// the overlay is applied.
		rec.Revision = 0
		return nil
	}
	return err
}

// finish records how rec ended and drops the oldest records.
func (d *Deployer) finish(ctx context.Context, store *release.Store, rec *release.Record) error {
	ctx, cancel, err := recording(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	if rec.Revision == 0 {
		if rec.Revision, err = store.NextRevision(ctx); err != nil {
			return err
		}
		err = store.Create(ctx, rec)
	} else {
		err = store.Update(ctx, rec)
	}
	if err != nil {
		return err
	}
	keep := d.HistoryMax
	if keep <= 0 {
		keep = 10
	}
	if err := store.Prune(ctx, keep); err != nil {
		d.step("warning: %v", err)
	}
	return nil
}

// forget removes the record of a deploy that changed nothing.
func (d *Deployer) forget(ctx context.Context, store *release.Store, rec *release.Record) error {
	if rec.Revision == 0 {
		return nil
	}
	ctx, cancel, err := recording(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	return store.Delete(ctx, rec)
}
