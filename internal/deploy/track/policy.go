package track

import (
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Annotations that change how an object is tracked.
const (
	FailModeAnnotation        = "x-platform.io/fail-mode"
	FailuresAllowedAnnotation = "x-platform.io/failures-allowed-per-replica"
	TrackAnnotation           = "x-platform.io/track"
)

// FailMode says what a failing object does to the whole deploy.
type FailMode string

// The fail modes, named as werf names them.
const (
	// FailWholeDeployProcessImmediately stops the deploy at the first failure.
	FailWholeDeployProcessImmediately FailMode = "FailWholeDeployProcessImmediately"
	// HopeUntilEndOfDeployProcess keeps waiting for the object while others
	// progress; it fails the deploy only if it is still failing when
	// everything else is done.
	HopeUntilEndOfDeployProcess FailMode = "HopeUntilEndOfDeployProcess"
	// IgnoreAndContinueDeployProcess never fails the deploy nor holds it up.
	IgnoreAndContinueDeployProcess FailMode = "IgnoreAndContinueDeployProcess"
)

// Policy is how one object is tracked.
type Policy struct {
	Track    bool
	FailMode FailMode
	// FailuresAllowedPerReplica is how many container failures (restarts of
	// a crashing container, pods that cannot pull or be scheduled) each
	// desired replica may have before the object counts as failed.
	FailuresAllowedPerReplica int
}

// DefaultPolicy tracks, fails the deploy at once, and allows no failure:
// a crash loop is reported the moment it is seen.
var DefaultPolicy = Policy{Track: true, FailMode: FailWholeDeployProcessImmediately}

// PolicyOf reads the tracking annotations of u.
func PolicyOf(u *unstructured.Unstructured) (Policy, error) {
	p := DefaultPolicy
	a := u.GetAnnotations()
	if v, ok := a[TrackAnnotation]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return p, fmt.Errorf("annotation %s: %q is not true or false", TrackAnnotation, v)
		}
		p.Track = b
	}
	if v, ok := a[FailModeAnnotation]; ok {
		switch m := FailMode(v); m {
		case FailWholeDeployProcessImmediately, HopeUntilEndOfDeployProcess, IgnoreAndContinueDeployProcess:
			p.FailMode = m
		default:
			return p, fmt.Errorf("annotation %s: %q is not one of %s, %s, %s", FailModeAnnotation, v,
				FailWholeDeployProcessImmediately, HopeUntilEndOfDeployProcess, IgnoreAndContinueDeployProcess)
		}
	}
	if v, ok := a[FailuresAllowedAnnotation]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, fmt.Errorf("annotation %s: %q is not a whole number of at least 0", FailuresAllowedAnnotation, v)
		}
		p.FailuresAllowedPerReplica = n
	}
	return p, nil
}
