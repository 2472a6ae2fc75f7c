package deploy

import (
	"fmt"
	"strings"

	"github.com/x-platform/x-platform/internal/deploy/apply"
	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/deploy/track"
)

// The progress of a deploy on stderr: one prefix per object, as kubectl
// names them, and "deploy" for the steps.
const stepPrefix = "deploy"

func (d *Deployer) step(format string, args ...any) {
	if d.Progress != nil {
		d.Progress.Stepf(stepPrefix, format, args...)
	}
}

func (d *Deployer) reportApply(r apply.Result) {
	if d.Progress == nil {
		return
	}
	switch {
	case r.Err != nil:
		d.Progress.Donef(r.Ref.Short(), false, "%s: %v", r.Action, r.Err)
	case r.Action == apply.Unchanged:
		d.Progress.Debugf(r.Ref.Short(), "%s", r.Action)
	default:
		d.Progress.Stepf(r.Ref.Short(), "%s", r.Action)
	}
}

func (d *Deployer) reportStatus(s track.Status) {
	if d.Progress == nil {
		return
	}
	switch s.State {
	case track.Ready:
		d.Progress.Donef(s.Ref.Short(), true, "%s", s.Summary())
	case track.Failed:
		d.Progress.Donef(s.Ref.Short(), false, "%s", s.Summary())
	case track.TimedOut:
		d.Progress.Donef(s.Ref.Short(), false, "timed out: %s", s.Summary())
	default:
		d.Progress.Stepf(s.Ref.Short(), "%s: %s", s.State, s.Summary())
	}
}

func (d *Deployer) reportEvent(ref object.Ref, msg string) {
	if d.Progress != nil {
		d.Progress.Stepf(ref.Short(), "event: %s", msg)
	}
}

// reportFailure prints what is known about each failed object: its
// problems, the warning events and the logs of its failing containers.
func (d *Deployer) reportFailure(fe *track.FailedError) {
	if d.Progress == nil {
		return
	}
	for _, s := range fe.Failed {
		p := s.Ref.Short()
		for _, pr := range s.Problems {
			d.Progress.Stepf(p, "%s", pr)
		}
		for _, e := range s.Events {
			d.Progress.Stepf(p, "event: %s", e)
		}
		for _, l := range s.Logs {
			where := fmt.Sprintf("pod/%s container %s", l.Pod, l.Container)
			switch {
			case l.Err != "":
				d.Progress.Stepf(p, "no logs of %s: %s", where, l.Err)
			case strings.TrimSpace(l.Text) == "":
				d.Progress.Stepf(p, "%s wrote no logs", where)
			default:
				d.Progress.Stepf(p, "last lines of %s:", where)
				w := d.Progress.Output(p + " log")
				fmt.Fprint(w, l.Text)
				_ = w.Close()
			}
		}
	}
}

// reportUnreachable says when the API stops answering while tracking, and
// when it answers again.
func (d *Deployer) reportUnreachable(err error) {
	if err != nil {
		d.step("warning: the Kubernetes API does not answer (%v); retrying", err)
		return
	}
	d.step("the Kubernetes API answers again")
}
