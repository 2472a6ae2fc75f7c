package track

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

func waiting(name, reason string, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, RestartCount: restarts, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: "m"}}}
}

func TestPodProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		status       corev1.PodStatus
		wantCauses   []string
		wantFailures int
	}{
		{name: "healthy", status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "a", Ready: true}}}},
		{name: "still creating", status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{waiting("a", "ContainerCreating", 0)}}},
		{
			name:       "crash loop counts restarts",
			status:     corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{waiting("a", "CrashLoopBackOff", 4)}},
			wantCauses: []string{"CrashLoopBackOff"}, wantFailures: 4,
		},
		{
			name:       "image pull and a broken init container",
			status:     corev1.PodStatus{InitContainerStatuses: []corev1.ContainerStatus{waiting("init", "CreateContainerConfigError", 0)}, ContainerStatuses: []corev1.ContainerStatus{waiting("a", "ImagePullBackOff", 0)}},
			wantCauses: []string{"CreateContainerConfigError", "ImagePullBackOff"}, wantFailures: 2,
		},
		{
			name:       "unschedulable",
			status:     corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "0/2 nodes"}}},
			wantCauses: []string{"Unschedulable"}, wantFailures: 1,
		},
	}
	for _, tt := range tests {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Status: tt.status}
		var causes []string
		failures := 0
		for _, p := range podProblems(pod) {
			causes = append(causes, p.Cause)
			failures += p.Failures
		}
		if strings.Join(causes, ",") != strings.Join(tt.wantCauses, ",") || failures != tt.wantFailures {
			t.Errorf("%s: causes %v failures %d, want %v %d", tt.name, causes, failures, tt.wantCauses, tt.wantFailures)
		}
	}
}

func obj(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(j); err != nil {
		t.Fatal(err)
	}
	return u
}

func owned(name string, uid types.UID, labels map[string]string) corev1.Pod {
	yes := true
	return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, OwnerReferences: []metav1.OwnerReference{{UID: uid, Controller: &yes}}}}
}

func TestCurrentPods(t *testing.T) {
	t.Parallel()
	yes := true
	rsets := func() ([]appsv1.ReplicaSet, error) {
		return []appsv1.ReplicaSet{
			{ObjectMeta: metav1.ObjectMeta{UID: "rs-old", Annotations: map[string]string{"deployment.kubernetes.io/revision": "1"}, OwnerReferences: []metav1.OwnerReference{{UID: "d", Controller: &yes}}}},
			{ObjectMeta: metav1.ObjectMeta{UID: "rs-new", Annotations: map[string]string{"deployment.kubernetes.io/revision": "2"}, OwnerReferences: []metav1.OwnerReference{{UID: "d", Controller: &yes}}}},
			{ObjectMeta: metav1.ObjectMeta{UID: "rs-other", Annotations: map[string]string{"deployment.kubernetes.io/revision": "2"}}},
		}, nil
	}
	pods := []corev1.Pod{
		owned("old", "rs-old", nil), owned("new", "rs-new", nil), owned("other", "rs-other", nil),
		owned("sts-0", "s", map[string]string{"controller-revision-hash": "r1"}),
		owned("sts-1", "s", map[string]string{"controller-revision-hash": "r2"}),
	}
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"deployment", "kind: Deployment\nmetadata: {uid: d, generation: 3, annotations: {deployment.kubernetes.io/revision: \"2\"}}\nstatus: {observedGeneration: 3}", []string{"new"}},
		{"deployment not yet observed", "kind: Deployment\nmetadata: {uid: d, generation: 4, annotations: {deployment.kubernetes.io/revision: \"2\"}}\nstatus: {observedGeneration: 3}", nil},
		{"statefulset", "kind: StatefulSet\nmetadata: {uid: s, generation: 1}\nstatus: {observedGeneration: 1, updateRevision: r2}", []string{"sts-1"}},
		{"job", "kind: Job\nmetadata: {uid: rs-old}", []string{"old"}},
	}
	for _, tt := range tests {
		got, err := currentPods(obj(t, tt.doc), pods, rsets)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range got {
			names = append(names, p.Name)
		}
		if strings.Join(names, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: pods %v, want %v", tt.name, names, tt.want)
		}
	}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	it := func(state State, mode FailMode, tracked bool) *item {
		return &item{policy: Policy{Track: tracked, FailMode: mode}, status: Status{State: state}}
	}
	const (
		now    = FailWholeDeployProcessImmediately
		hope   = HopeUntilEndOfDeployProcess
		ignore = IgnoreAndContinueDeployProcess
	)
	tests := []struct {
		name               string
		items              []*item
		wantDone, wantFail bool
	}{
		{"all ready", []*item{it(Ready, now, true), it(Ready, hope, true)}, true, false},
		{"one progressing", []*item{it(Ready, now, true), it(Progressing, now, true)}, false, false},
		{"immediate failure", []*item{it(Failed, now, true), it(Progressing, now, true)}, true, true},
		{"hoping while others progress", []*item{it(Failed, hope, true), it(Progressing, now, true)}, false, false},
		{"hope lost at the end", []*item{it(Failed, hope, true), it(Ready, now, true)}, true, true},
		{"ignored failure", []*item{it(Failed, ignore, true), it(Ready, now, true)}, true, false},
		{"ignored and progressing", []*item{it(Progressing, ignore, true), it(Ready, now, true)}, true, false},
		{"untracked", []*item{it(Progressing, now, false)}, true, false},
	}
	for _, tt := range tests {
		done, failed := decide(tt.items)
		if done != tt.wantDone || failed != tt.wantFail {
			t.Errorf("%s: done %v failed %v, want %v %v", tt.name, done, failed, tt.wantDone, tt.wantFail)
		}
	}
}

func TestEvaluateAndSummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc   string
		wantState   State
		wantCause   string
		wantSummary string
	}{
		{"ready deployment", `kind: Deployment
apiVersion: apps/v1
metadata: {generation: 2}
spec: {replicas: 3}
status: {observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3,
  conditions: [{type: Available, status: "True"}, {type: Progressing, status: "True", reason: NewReplicaSetAvailable}]}`,
			Ready, "", "3/3 ready"},
		{"rolling", `kind: Deployment
apiVersion: apps/v1
metadata: {generation: 2}
spec: {replicas: 3}
status: {observedGeneration: 2, replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3}`,
			Progressing, "", "1/3 updated, 3 ready"},
		{"deadline", `kind: Deployment
apiVersion: apps/v1
metadata: {generation: 1}
spec: {replicas: 1}
status: {observedGeneration: 1, replicas: 1, updatedReplicas: 1,
  conditions: [{type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: too slow}]}`,
			Failed, CauseProgressDeadlineExceeded, "0/1 ready, ProgressDeadlineExceeded: Progress deadline exceeded"},
		{"failed job", `kind: Job
apiVersion: batch/v1
spec: {completions: 1}
status: {failed: 1, conditions: [{type: Failed, status: "True", reason: BackoffLimitExceeded}]}`,
			Failed, CauseJobFailed, "JobFailed"},
		{"config map", "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}", Ready, "", "ready"},
	}
	for _, tt := range tests {
		s := evaluate(obj(t, tt.doc))
		if s.State != tt.wantState || s.Cause != tt.wantCause || !strings.Contains(s.Summary(), tt.wantSummary) {
			t.Errorf("%s: state %s cause %q summary %q; want %s %q containing %q", tt.name, s.State, s.Cause, s.Summary(), tt.wantState, tt.wantCause, tt.wantSummary)
		}
	}
}
