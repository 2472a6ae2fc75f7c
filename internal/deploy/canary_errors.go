package deploy

import (
	"fmt"

	"github.com/x-platform/x-platform/internal/deploy/release"
)

// CanaryPendingError is a deploy or rollback refused because a canary
// runs in the environment: it must be promoted or aborted first, so
// that no third version joins the two running.
type CanaryPendingError struct {
	Env      string
	Revision int
	Step     int
}

func (e *CanaryPendingError) Error() string {
	return fmt.Sprintf("a canary of revision %d runs in %s at %d%%: promote it (x-platform canary promote --env %s) or abort it (x-platform canary abort --env %s) first",
		e.Revision, e.Env, e.Step, e.Env, e.Env)
}

// NoCanaryError is a promote or abort with no canary to act on.
type NoCanaryError struct{ Env string }

func (e *NoCanaryError) Error() string {
	return fmt.Sprintf("no canary runs in %s (see x-platform status --env %s)", e.Env, e.Env)
}

// CanaryAbortedError is a release whose canary was stopped, by a failed
// step or gate, an interruption or canary abort: its canary objects are
// gone and the release deployed before runs alone, as before.
type CanaryAbortedError struct {
	Env      string
	Revision int
	Step     int   // the share the canary had reached, percent
	Cause    error // nil for canary abort
	Deployed *release.Record
}

func (e *CanaryAbortedError) Error() string {
	why := "aborted"
	if e.Cause != nil {
		why = fmt.Sprintf("aborted: %v", e.Cause)
	}
	msg := fmt.Sprintf("the canary of revision %d in %s was %s; its canary objects were removed", e.Revision, e.Env, why)
	if e.Deployed != nil {
		msg += fmt.Sprintf(" and revision %d runs alone, as before", e.Deployed.Revision)
	}
	return msg
}
func (e *CanaryAbortedError) Unwrap() error { return e.Cause }

// pendingCanary is the record of all whose canary runs, or nil.
func pendingCanary(all []*release.Record) *release.Record {
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Status == release.Canary {
			return all[i]
		}
	}
	return nil
}
