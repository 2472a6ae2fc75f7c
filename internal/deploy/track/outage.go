package track

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// defaultOutage is how long the API may fail to answer before tracking
// gives up; a restarting API server or a load balancer failing over takes
// seconds, not minutes.
const defaultOutage = time.Minute

// pollTimeout bounds one poll, so a hung connection counts as an outage
// instead of hanging the deploy.
const pollTimeout = 15 * time.Second

// UnreachableError ends tracking that could not read the cluster for
// longer than its bound: the rollout may have succeeded or failed, nobody
// can tell, so it is not a failed rollout.
type UnreachableError struct {
	For time.Duration
	Err error // the last error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("the Kubernetes API was unreachable for %s while tracking the rollout, so its outcome is unknown: %v", e.For.Round(time.Second), e.Err)
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// transient says whether a failed read may succeed if tried again: a
// network error, a timeout, a server error or throttling. A refusal (not
// found, forbidden, invalid) stays a refusal.
func transient(err error) bool {
	var st apierrors.APIStatus
	if !errors.As(err, &st) {
		return true
	}
	code := st.Status().Code
	return code == 0 || code >= 500 || code == 429
}

// outage follows a stretch of failed polls.
type outage struct {
	bound time.Duration
	since time.Time // zero while the API answers
	fails int
}

// failed records a failed poll. It returns the wait before the next poll,
// or an *UnreachableError once the outage lasted longer than its bound or
// reached the deadline.
func (o *outage) failed(err error, interval time.Duration, deadline time.Time) (time.Duration, error) {
	now := time.Now()
	if o.since.IsZero() {
		o.since = now
	}
	o.fails++
	if now.Sub(o.since) >= o.bound || now.After(deadline) {
		return 0, &UnreachableError{For: now.Sub(o.since), Err: err}
	}
	wait := min(interval<<min(o.fails, 5), 5*time.Second)
	return min(wait, max(time.Until(deadline), 0)+interval), nil
}

// answered ends an outage; it says whether there was one.
func (o *outage) answered() bool {
	was := !o.since.IsZero()
	o.since, o.fails = time.Time{}, 0
	return was
}

// poll reads the pending items again and computes their states.
func (t *Tracker) poll(ctx context.Context, items []*item, tick int) error {
	ctx, cancel := context.WithTimeout(ctx, pollTimeout)
	defer cancel()
	if tick > 0 {
		if err := t.refresh(ctx, items); err != nil {
			return err
		}
	}
	// Pods are looked at once a second: often enough to stop a failing
	// rollout early, seldom enough not to slow the cluster down with
	// lists of every pod. Right after the apply there are none yet.
	return t.inspect(ctx, items, tick%podsEvery == 1)
}
