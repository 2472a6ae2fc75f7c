package deploy

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/x-platform/x-platform/internal/deploy/object"
)

// Annotations that put a Job of an overlay into a release phase.
const (
	PhaseAnnotation       = "x-platform.io/phase"
	PhaseWeightAnnotation = "x-platform.io/phase-weight"
)

// Phase is a step of a release around the rollout of its main objects.
type Phase string

// The phases, in the order they run; the main objects roll out between.
const (
	PreDeploy  Phase = "pre-deploy"
	PostDeploy Phase = "post-deploy"
)

// PhaseJob is one Job of a phase, as rendered: its images are pinned.
type PhaseJob struct {
	Phase  Phase
	Weight int
	Job    *batchv1.Job
	// Object is the Job as rendered, for render and diff.
	Object *unstructured.Unstructured
}

// Phases is a rendered overlay split by phase: Jobs of each phase in the
// order they run (lower weight first, equal weights by name), and the
// main objects, applied and tracked as one set.
type Phases struct {
	Pre, Post []PhaseJob
	Main      []*unstructured.Unstructured
}

// Empty says whether no object is in a phase.
func (p Phases) Empty() bool { return len(p.Pre) == 0 && len(p.Post) == 0 }

// Jobs lists the phase Jobs in the order they run.
func (p Phases) Jobs() []PhaseJob { return append(slices.Clone(p.Pre), p.Post...) }

// PhaseProblem is one object whose phase annotations are wrong.
type PhaseProblem struct {
	Ref object.Ref
	// File is the overlay file the object comes from, when known.
	File    string
	Problem string
}

// PhaseError lists every object whose phase annotations are wrong. It is
// found before anything is applied.
type PhaseError struct{ Problems []PhaseProblem }

func (e *PhaseError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		where := p.Ref.Short()
		if p.File != "" {
			where = p.File + ": " + where
		}
		parts[i] = where + ": " + p.Problem
	}
	return "phases: " + strings.Join(parts, "; ")
}

// SplitPhases sorts objs into phases: a batch/v1 Job annotated
// x-platform.io/phase goes into that phase, everything else is main. An
// unknown phase, a phase on anything but a Job, or a weight that is not
// an integer is a *PhaseError naming every such object.
func SplitPhases(objs []*unstructured.Unstructured) (Phases, error) {
	var p Phases
	var problems []PhaseProblem
	for _, o := range objs {
		ann := o.GetAnnotations()
		name, inPhase := ann[PhaseAnnotation]
		weightText, weighted := ann[PhaseWeightAnnotation]
		if !inPhase && !weighted {
			p.Main = append(p.Main, o)
			continue
		}
		pj, err := phaseJob(o, Phase(name), inPhase, weightText, weighted)
		if err != nil {
			problems = append(problems, PhaseProblem{Ref: object.RefOf(o), Problem: err.Error()})
			continue
		}
		if pj.Phase == PreDeploy {
			p.Pre = append(p.Pre, pj)
		} else {
			p.Post = append(p.Post, pj)
		}
	}
	if len(problems) > 0 {
		return Phases{}, &PhaseError{Problems: problems}
	}
	sortPhase(p.Pre)
	sortPhase(p.Post)
	return p, nil
}

func phaseJob(o *unstructured.Unstructured, phase Phase, inPhase bool, weightText string, weighted bool) (PhaseJob, error) {
	pj := PhaseJob{Phase: phase, Object: o}
	if !inPhase {
		return pj, fmt.Errorf("annotation %s needs %s", PhaseWeightAnnotation, PhaseAnnotation)
	}
	if phase != PreDeploy && phase != PostDeploy {
		return pj, fmt.Errorf("annotation %s: unknown phase %q (known: %s, %s)", PhaseAnnotation, phase, PreDeploy, PostDeploy)
	}
	if o.GetAPIVersion() != "batch/v1" || o.GetKind() != "Job" {
		return pj, fmt.Errorf("annotation %s: only a batch/v1 Job can be in a phase", PhaseAnnotation)
	}
	if weighted {
		w, err := strconv.Atoi(strings.TrimSpace(weightText))
		if err != nil {
			return pj, fmt.Errorf("annotation %s: %q is not an integer", PhaseWeightAnnotation, weightText)
		}
		pj.Weight = w
	}
	j := &batchv1.Job{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, j); err != nil {
		return pj, fmt.Errorf("reading the job: %w", err)
	}
	pj.Job = j
	return pj, nil
}

func sortPhase(jobs []PhaseJob) {
	slices.SortStableFunc(jobs, func(a, b PhaseJob) int {
		if a.Weight != b.Weight {
			return a.Weight - b.Weight
		}
		return strings.Compare(a.Object.GetName(), b.Object.GetName())
	})
}

// Ordered lists every object in the order a release uses them: the
// pre-deploy Jobs, the main objects, the post-deploy Jobs.
func (p Phases) Ordered() []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, 0, len(p.Pre)+len(p.Main)+len(p.Post))
	for _, j := range p.Pre {
		out = append(out, j.Object)
	}
	out = append(out, p.Main...)
	for _, j := range p.Post {
		out = append(out, j.Object)
	}
	return out
}

// IsPhaseError says whether err is about phase annotations.
func IsPhaseError(err error) bool {
	var pe *PhaseError
	return errors.As(err, &pe)
}
