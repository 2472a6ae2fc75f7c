package deploy

import (
	"fmt"

	"github.com/x-platform/x-platform/internal/deploy/apply"
	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/track"
)

// ObjectOutcome is what happened to one object.
type ObjectOutcome struct {
	Ref    object.Ref
	Action apply.Action
	Err    error
	Status *track.Status // nil when the object was not tracked (pruned, failed to apply)
}

// Outcome is what a deploy or rollback did.
type Outcome struct {
	// Env and Namespace say where: the environment and the namespace of
	// its records.
	Env, Namespace string
	// Revision is the release recorded; when Unchanged, the one deployed.
	Revision  int
	Status    release.Status // of the revision recorded
	Unchanged bool
	Versions  []release.Service
	Objects   []ObjectOutcome
	// Failure is why the rollout or a post-deploy test failed; nil when
	// both succeeded.
	Failure error
	// Tests are the results of the post-deploy tests that ran.
	Tests []release.TestResult
	// Phases are the phase Jobs that ran, in order.
	Phases []release.PhaseResult
	// Canary is the release's canary, when it had one.
	Canary *release.CanaryRecord
	// Restored is the release an automatic rollback re-applied, and
	// Rollback what that did; both nil when there was no rollback.
	Restored *release.Record
	Rollback *Outcome
	// NotRestored is why Restored was not re-applied.
	NotRestored error
}

// RolloutError is a deploy whose rollout failed; the Outcome says what was
// restored.
type RolloutError struct {
	Env     string
	Failure error
	Out     *Outcome
}

func (e *RolloutError) Error() string {
	msg := fmt.Sprintf("deploying to %s failed (revision %d): %v", e.Env, e.Out.Revision, e.Failure)
	switch r := e.Out.Rollback; {
	case e.Out.NotRestored != nil:
		return msg + "; " + e.Out.NotRestored.Error()
	case e.Out.Restored == nil:
		return msg + "; nothing was rolled back"
	case r.Failure != nil:
		return msg + fmt.Sprintf("; rolling back to revision %d failed too: %v", e.Out.Restored.Revision, r.Failure)
	default:
		return msg + fmt.Sprintf("; rolled back to revision %d as revision %d (%s)", e.Out.Restored.Revision, r.Revision, describe(e.Out.Restored.Services))
	}
}
func (e *RolloutError) Unwrap() error { return e.Failure }
