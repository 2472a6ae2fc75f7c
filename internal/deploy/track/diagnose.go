package track

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// logLines is how much of a failing container's log is shown.
const logLines = 20

// maxLogs bounds the containers whose logs one failed object shows.
const maxLogs = 3

// relatedTo says whether an event is about it or one of the objects its
// controller makes, whose names start with its name (ReplicaSets, pods).
func relatedTo(it *item, ev *corev1.Event) bool {
	ref := it.status.Ref
	o := ev.InvolvedObject
	if o.Namespace != ref.Namespace {
		return false
	}
	return o.UID == it.live.GetUID() || o.Name == ref.Name || strings.HasPrefix(o.Name, ref.Name+"-")
}

func eventLine(ev *corev1.Event) string {
	return fmt.Sprintf("%s %s/%s: %s", ev.Reason, strings.ToLower(ev.InvolvedObject.Kind), ev.InvolvedObject.Name, strings.TrimSpace(ev.Message))
}

func (t *Tracker) warnings(ctx context.Context, ns string) ([]corev1.Event, error) {
	var evs []corev1.Event
	err := list(ctx, t, eventsGVR, ns, "type="+corev1.EventTypeWarning, &evs)
	slices.SortStableFunc(evs, func(a, b corev1.Event) int { return lastSeen(a).Compare(lastSeen(b)) })
	return evs, err
}

// streamEvents reports the warnings about pending objects not reported yet.
func (t *Tracker) streamEvents(ctx context.Context, items []*item, seen map[string]bool) {
	waiting := pending(items)
	for _, ns := range namespacesOf(waiting) {
		evs, err := t.warnings(ctx, ns)
		if err != nil {
			continue // events only decorate the progress
		}
		for i := range evs {
			ev := &evs[i]
			key := fmt.Sprintf("%s/%d", ev.UID, ev.Count)
			if seen[key] {
				continue
			}
			for _, it := range waiting {
				if relatedTo(it, ev) {
					seen[key] = true
					t.OnEvent(it.status.Ref, eventLine(ev))
					break
				}
			}
		}
	}
}

// diagnose adds the warning events and the logs of failing containers to
// the status of an object that did not become ready.
func (t *Tracker) diagnose(ctx context.Context, it *item) {
	if evs, err := t.warnings(ctx, it.status.Ref.Namespace); err == nil {
		var lines []string
		for i := range evs {
			if relatedTo(it, &evs[i]) {
				lines = append(lines, eventLine(&evs[i]))
			}
		}
		if len(lines) > 10 {
			lines = lines[len(lines)-10:]
		}
		it.status.Events = lines
	}
	if t.Logs == nil {
		return
	}
	done := map[string]bool{}
	for _, p := range it.status.Problems {
		if p.Container == "" || !p.Crashed && p.Cause != "RunContainerError" || done[p.Pod+"/"+p.Container] || len(done) >= maxLogs {
			continue
		}
		done[p.Pod+"/"+p.Container] = true
		l := Log{Pod: p.Pod, Container: p.Container}
		text, err := t.Logs.Logs(ctx, it.status.Ref.Namespace, p.Pod, p.Container, p.Crashed, logLines)
		if err != nil {
			l.Err = err.Error()
		}
		l.Text = text
		it.status.Logs = append(it.status.Logs, l)
	}
}

// lastSeen is when an event last happened, by whichever clock its source set.
func lastSeen(ev corev1.Event) time.Time {
	switch {
	case !ev.LastTimestamp.IsZero():
		return ev.LastTimestamp.Time
	case ev.Series != nil:
		return ev.Series.LastObservedTime.Time
	case !ev.EventTime.IsZero():
		return ev.EventTime.Time
	}
	return ev.CreationTimestamp.Time
}
