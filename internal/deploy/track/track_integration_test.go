package track

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/testenv"
)

// deployment is a Deployment of replicas pods; extra is YAML merged into
// its pod template's labels (to make pods fail) and its own annotations.
func deployment(name string, replicas int, podLabels, annotations map[string]string, spec string) *unstructured.Unstructured {
	labels := map[string]string{"app": name}
	for k, v := range podLabels {
		labels[k] = v
	}
	doc := fmt.Sprintf(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
spec:
  replicas: %d
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: %s}
    spec:
      containers: [{name: app, image: registry.invalid/%s@sha256:%s}]
%s`, name, replicas, name, toJSON(labels), name, strings.Repeat("a", 64), spec)
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
		panic(err)
	}
	u.SetAnnotations(annotations)
	return u
}

func toJSON(v any) string {
	b, _ := yaml.Marshal(v)
	j, _ := yaml.YAMLToJSON(b)
	return string(j)
}

// applyAll creates objs in ns with server-side apply and returns what the server answered.
func applyAll(t testing.TB, c *kube.Cluster, ns string, objs ...*unstructured.Unstructured) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		m, err := c.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := o.MarshalJSON()
		force := true
		live, err := c.Dynamic.Resource(m.Resource).Namespace(ns).Patch(t.Context(), o.GetName(), types.ApplyPatchType, data,
			metav1.PatchOptions{FieldManager: "test", Force: &force})
		if err != nil {
			t.Fatalf("applying %s: %v", o.GetName(), err)
		}
		out = append(out, live)
	}
	return out
}

type recorder struct {
	mu     sync.Mutex
	lines  []string
	events []string
}

func (r *recorder) progress(s Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, s.Ref.Short()+" "+string(s.State)+" "+s.Summary())
}

func (r *recorder) event(ref object.Ref, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ref.Short()+" "+msg)
}

func newTracker(t *testing.T, c *kube.Cluster, r *recorder) *Tracker {
	return &Tracker{Dynamic: c.Dynamic, Mapper: c.Mapper, Logs: c, Interval: 100 * time.Millisecond, OnProgress: r.progress, OnEvent: r.event}
}

func TestIntegrationTrack(t *testing.T) {
	env := testenv.Cluster(t)
	c, err := kube.New(env.RESTConfig(), "")
	if err != nil {
		t.Fatal(err)
	}
	crash := map[string]string{testenv.WaitingReasonLabel: "CrashLoopBackOff"}
	pull := map[string]string{testenv.WaitingReasonLabel: "ImagePullBackOff"}
	tests := []struct {
		name      string
		objs      []*unstructured.Unstructured
		wantErr   bool
		wantCause string
		wantState map[string]State
	}{
		{
			name:      "ready",
			objs:      []*unstructured.Unstructured{deployment("web", 3, nil, nil, ""), deployment("api", 1, nil, nil, "")},
			wantState: map[string]State{"deployment/web": Ready, "deployment/api": Ready},
		},
		{
			name:      "crash loop",
			objs:      []*unstructured.Unstructured{deployment("web", 2, crash, nil, ""), deployment("api", 1, nil, nil, "")},
			wantErr:   true,
			wantCause: CauseCrashLoopBackOff,
		},
		{
			name:      "image pull",
			objs:      []*unstructured.Unstructured{deployment("web", 1, pull, nil, "")},
			wantErr:   true,
			wantCause: CauseImagePullBackOff,
		},
		{
			name:      "unschedulable",
			objs:      []*unstructured.Unstructured{deployment("web", 1, nil, nil, "      nodeSelector: {no-such-node: \"true\"}")},
			wantErr:   true,
			wantCause: CauseUnschedulable,
		},
		{
			name: "progress deadline",
			objs: []*unstructured.Unstructured{func() *unstructured.Unstructured {
				d := deployment("web", 1, pull, map[string]string{FailuresAllowedAnnotation: "5"}, "")
				_ = unstructured.SetNestedField(d.Object, int64(1), "spec", "progressDeadlineSeconds")
				return d
			}()},
			wantErr:   true,
			wantCause: CauseProgressDeadlineExceeded,
		},
		{
			name: "ignored failure",
			objs: []*unstructured.Unstructured{
				deployment("web", 1, crash, map[string]string{FailModeAnnotation: string(IgnoreAndContinueDeployProcess)}, ""),
				deployment("api", 1, nil, nil, ""),
			},
			wantState: map[string]State{"deployment/web": Ignored, "deployment/api": Ready},
		},
		{
			name: "untracked",
			objs: []*unstructured.Unstructured{
				deployment("web", 1, crash, map[string]string{TrackAnnotation: "false"}, ""),
			},
			wantState: map[string]State{"deployment/web": Untracked},
		},
		{
			name: "hope until the end",
			objs: []*unstructured.Unstructured{
				deployment("web", 1, crash, map[string]string{FailModeAnnotation: string(HopeUntilEndOfDeployProcess)}, ""),
				deployment("api", 2, nil, nil, ""),
			},
			wantErr:   true,
			wantCause: CauseCrashLoopBackOff,
			wantState: map[string]State{"deployment/web": Failed, "deployment/api": Ready},
		},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "-"), func(t *testing.T) {
			t.Parallel()
			ns := env.Namespace(t)
			live := applyAll(t, c, ns, tt.objs...)
			r := &recorder{}
			began := time.Now()
			statuses, err := newTracker(t, c, r).Track(t.Context(), live, 90*time.Second)
			t.Logf("tracked in %s; progress:\n%s\nevents:\n%s", time.Since(began).Round(time.Millisecond), strings.Join(r.lines, "\n"), strings.Join(r.events, "\n"))
			var fe *FailedError
			if tt.wantErr != (err != nil) || err != nil && !errors.As(err, &fe) {
				t.Fatalf("Track error %v, want error %v", err, tt.wantErr)
			}
			if fe != nil {
				if fe.TimedOut {
					t.Errorf("timed out instead of naming the cause: %v", fe)
				}
				if fe.Failed[0].Cause != tt.wantCause || !strings.Contains(err.Error(), tt.wantCause) {
					t.Errorf("cause %q (%v), want %q", fe.Failed[0].Cause, err, tt.wantCause)
				}
				if logs := fe.Failed[0].Logs; tt.wantCause == CauseCrashLoopBackOff && (len(logs) == 0 || logs[0].Err != "" || !strings.Contains(logs[0].Text, testenv.FakeLogLines[1])) {
					t.Errorf("logs of a crash-looping pod: %+v, want its last lines", logs)
				}
			}
			for _, s := range statuses {
				if want, ok := tt.wantState[s.Ref.Short()]; ok && s.State != want {
					t.Errorf("%s: state %s, want %s", s.Ref.Short(), s.State, want)
				}
			}
		})
	}
}

func TestIntegrationTrackTimeout(t *testing.T) {
	env := testenv.Cluster(t)
	c, err := kube.New(env.RESTConfig(), "")
	if err != nil {
		t.Fatal(err)
	}
	ns := env.Namespace(t)
	d := deployment("slow", 1, map[string]string{testenv.WaitingReasonLabel: "ContainerCreating"}, nil, "")
	live := applyAll(t, c, ns, d)
	_, err = newTracker(t, c, &recorder{}).Track(t.Context(), live, 2*time.Second)
	var fe *FailedError
	if !errors.As(err, &fe) || !fe.TimedOut || fe.Failed[0].State != TimedOut {
		t.Fatalf("error %v, want a timeout", err)
	}
	if !strings.Contains(err.Error(), "not ready after 2s") || !strings.Contains(err.Error(), "0/1 ready") {
		t.Errorf("message %q", err)
	}
}
