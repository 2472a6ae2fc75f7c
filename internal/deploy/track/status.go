package track

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/x-platform/x-platform/internal/deploy/object"
)

// State is where an object's rollout stands.
type State string

// States of a tracked object.
const (
	Ready       State = "ready"
	Progressing State = "progressing"
	Failed      State = "failed"
	TimedOut    State = "timed-out"
	// Ignored objects (IgnoreAndContinueDeployProcess) were not ready when
	// the rest of the deploy was done.
	Ignored State = "ignored"
	// Untracked objects carry x-platform.io/track: "false".
	Untracked State = "untracked"
)

// Status is what is known about one object's rollout.
type Status struct {
	Ref   object.Ref
	State State
	// Replicas says Ready, Updated and Desired mean something for this kind.
	Replicas                bool
	Ready, Updated, Desired int64
	Message                 string // kstatus' summary
	Cause                   string // one of the Cause constants, or a container waiting reason
	Problems                []Problem
	Events                  []string // warning events of the object and its current pods
	Logs                    []Log
}

// Log is the end of what a failing container wrote.
type Log struct {
	Pod, Container string
	Text           string
	Err            string // why there are no logs, if there are none
}

// Summary is one line for people: "2/3 ready", or the cause.
func (s Status) Summary() string {
	var parts []string
	switch {
	case s.Replicas && s.Updated != s.Desired:
		// Mid-rollout the ready count includes the old pods.
		parts = append(parts, fmt.Sprintf("%d/%d updated, %d ready", s.Updated, s.Desired, s.Ready))
	case s.Replicas:
		parts = append(parts, fmt.Sprintf("%d/%d ready", s.Ready, s.Desired))
	}
	switch {
	case s.Cause != "" && len(s.Problems) > 0 && s.Problems[0].Cause == s.Cause:
		parts = append(parts, s.Problems[0].String())
	case s.Cause != "":
		parts = append(parts, s.Cause+": "+s.Message)
		if len(s.Problems) > 0 {
			parts = append(parts, s.Problems[0].String())
		}
	case s.State != Ready && s.Message != "" && !s.Replicas:
		// kstatus' message for workloads only repeats the counts.
		parts = append(parts, s.Message)
	}
	if len(parts) == 0 {
		return string(s.State)
	}
	return strings.Join(parts, ", ")
}

// replicas reads the ready, updated and desired counts of a workload.
func replicas(u *unstructured.Unstructured) (ready, updated, desired int64, ok bool) {
	get := func(path ...string) int64 {
		v, _, _ := unstructured.NestedInt64(u.Object, path...)
		return v
	}
	switch u.GetKind() {
	case "Deployment", "StatefulSet", "ReplicaSet":
		desired, found, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
		if !found {
			desired = 1
		}
		updated := get("status", "updatedReplicas")
		if u.GetKind() == "ReplicaSet" {
			updated = get("status", "replicas")
		}
		return get("status", "readyReplicas"), updated, desired, true
	case "DaemonSet":
		return get("status", "numberReady"), get("status", "updatedNumberScheduled"), get("status", "desiredNumberScheduled"), true
	case "Job":
		desired, found, _ := unstructured.NestedInt64(u.Object, "spec", "completions")
		if !found {
			desired = 1
		}
		return get("status", "succeeded"), get("status", "succeeded"), desired, true
	}
	return 0, 0, 0, false
}

// evaluate computes the object's own status with kstatus.
func evaluate(u *unstructured.Unstructured) Status {
	s := Status{Ref: object.RefOf(u), State: Progressing}
	s.Ready, s.Updated, s.Desired, s.Replicas = replicas(u)
	res, err := kstatus.Compute(u)
	if err != nil {
		s.Message = err.Error()
		return s
	}
	s.Message = res.Message
	switch res.Status {
	case kstatus.CurrentStatus:
		s.State = Ready
	case kstatus.FailedStatus:
		s.State = Failed
		s.Cause = failedCause(u, res)
	}
	return s
}

// failedCause names why kstatus calls u failed.
func failedCause(u *unstructured.Unstructured, res *kstatus.Result) string {
	switch u.GetKind() {
	case "Deployment":
		if strings.Contains(res.Message, "Progress deadline exceeded") || hasCondition(u, "Progressing", "ProgressDeadlineExceeded") {
			return CauseProgressDeadlineExceeded
		}
	case "Job":
		return CauseJobFailed
	}
	for _, c := range res.Conditions {
		if c.Type == kstatus.ConditionStalled && c.Reason != "" {
			return c.Reason
		}
	}
	return "Failed"
}

func hasCondition(u *unstructured.Unstructured, typ, reason string) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		c, _ := c.(map[string]any)
		if c["type"] == typ && c["reason"] == reason {
			return true
		}
	}
	return false
}
