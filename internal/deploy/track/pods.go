package track

import (
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

// Causes a rollout is failed for.
const (
	CauseCrashLoopBackOff         = "CrashLoopBackOff"
	CauseImagePullBackOff         = "ImagePullBackOff"
	CauseErrImagePull             = "ErrImagePull"
	CauseUnschedulable            = "Unschedulable"
	CauseProgressDeadlineExceeded = "ProgressDeadlineExceeded"
	CauseJobFailed                = "JobFailed"
)

// failingReasons are container waiting reasons that do not go away by
// waiting: the image, its configuration or the program is broken.
var failingReasons = []string{
	CauseCrashLoopBackOff, CauseImagePullBackOff, CauseErrImagePull, "InvalidImageName", "ErrImageNeverPull",
	"CreateContainerConfigError", "CreateContainerError", "RunContainerError",
}

// Problem is one pod's reason for not becoming ready.
type Problem struct {
	Cause     string
	Pod       string
	Container string // "" for pod-level problems such as scheduling
	Message   string
	// Failures is what the problem counts against failures-allowed-per-replica:
	// a crash loop counts each restart, anything else once.
	Failures int
	// Crashed says the container ran and stopped, so its previous run has logs.
	Crashed bool
}

func (p Problem) String() string {
	where := "pod " + p.Pod
	if p.Container != "" {
		where += " container " + p.Container
	}
	if p.Message == "" {
		return fmt.Sprintf("%s: %s", where, p.Cause)
	}
	return fmt.Sprintf("%s: %s: %s", where, p.Cause, p.Message)
}

// podProblems lists why pod is failing, if it is.
func podProblems(pod *corev1.Pod) []Problem {
	var out []Problem
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			out = append(out, Problem{Cause: CauseUnschedulable, Pod: pod.Name, Message: c.Message, Failures: 1})
		}
	}
	statuses := append(slices.Clone(pod.Status.InitContainerStatuses), pod.Status.ContainerStatuses...)
	for _, cs := range statuses {
		w := cs.State.Waiting
		if w == nil || !slices.Contains(failingReasons, w.Reason) {
			continue
		}
		p := Problem{Cause: w.Reason, Pod: pod.Name, Container: cs.Name, Message: w.Message, Failures: 1}
		if w.Reason == CauseCrashLoopBackOff {
			p.Failures = max(int(cs.RestartCount), 1)
			p.Crashed = true
			if t := cs.LastTerminationState.Terminated; t != nil && p.Message == "" {
				p.Message = fmt.Sprintf("last run exited with code %d (%s)", t.ExitCode, t.Reason)
			}
		}
		out = append(out, p)
	}
	return out
}

// hasObservedGeneration lists the kinds whose status says which spec it describes.
var hasObservedGeneration = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true, "ReplicaSet": true}

// currentPods picks the pods of w's current revision: the ones a rollout
// waits for. Pods of older revisions may fail without failing the rollout.
// rsets is asked for the namespace's ReplicaSets only for Deployments.
func currentPods(w *unstructured.Unstructured, pods []corev1.Pod, rsets func() ([]appsv1.ReplicaSet, error)) ([]*corev1.Pod, error) {
	owner := w.GetUID()
	// Until the controller has seen the latest spec, its revision and its
	// status describe the previous one, and so would the pods chosen here.
	observed, found, _ := unstructured.NestedInt64(w.Object, "status", "observedGeneration")
	if hasObservedGeneration[w.GetKind()] && (!found || observed < w.GetGeneration()) {
		return nil, nil
	}
	switch w.GetKind() {
	case "Pod":
		for i := range pods {
			if pods[i].UID == owner {
				return []*corev1.Pod{&pods[i]}, nil
			}
		}
		return nil, nil
	case "Deployment":
		all, err := rsets()
		if err != nil {
			return nil, err
		}
		revision := w.GetAnnotations()["deployment.kubernetes.io/revision"]
		owner = ""
		for _, rs := range all {
			if ownedBy(rs.OwnerReferences, w.GetUID()) && rs.Annotations["deployment.kubernetes.io/revision"] == revision {
				owner = rs.UID
			}
		}
		if owner == "" {
			return nil, nil // the controller has not made this revision's ReplicaSet yet
		}
	}
	updateRevision, _, _ := unstructured.NestedString(w.Object, "status", "updateRevision")
	var out []*corev1.Pod
	for i := range pods {
		p := &pods[i]
		if !ownedBy(p.OwnerReferences, owner) || p.DeletionTimestamp != nil {
			continue
		}
		if w.GetKind() == "StatefulSet" && updateRevision != "" && p.Labels[appsv1.ControllerRevisionHashLabelKey] != updateRevision {
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

func ownedBy(refs []metav1.OwnerReference, uid types.UID) bool {
	for _, r := range refs {
		if r.UID == uid && r.Controller != nil && *r.Controller {
			return true
		}
	}
	return false
}
