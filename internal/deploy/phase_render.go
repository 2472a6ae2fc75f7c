package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/x-platform/x-platform/internal/deploy/apply"
	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/deploy/yamldiff"
)

// Phases splits a render of the environment's overlay by phase. A bad
// phase annotation is a *ConfigError naming the overlay file and object
// of each one, found before anything is applied.
func (e *Environment) Phases(r *render.Result) (Phases, error) {
	p, err := SplitPhases(r.Objects)
	var pe *PhaseError
	if !errors.As(err, &pe) {
		return p, err
	}
	// Only now is it worth a second render, to name the files.
	files, ferr := render.Origins(e.Root, e.Name)
	for i, prob := range pe.Problems {
		file := render.OverlayDir(e.Root, e.Name)
		if f, ok := files[prob.Ref.Kind+"/"+prob.Ref.Name]; ok && ferr == nil {
			file = f
		}
		if rel, err := filepath.Rel(e.Manifest.Root, file); err == nil {
			file = rel
		}
		pe.Problems[i].File = file
	}
	return Phases{}, &ConfigError{fmt.Errorf("overlay %s: %w", e.Name, pe)}
}

// OrderedYAML is a render as render prints it: the objects in the order
// a deploy uses them, pre-deploy Jobs first and post-deploy Jobs last,
// each phase headed by a comment, the values of Secrets masked. Without
// phases it is the render's masked YAML, byte for byte.
func OrderedYAML(r *render.Result, p Phases) ([]byte, error) {
	if p.Empty() {
		return r.Masked, nil
	}
	var buf bytes.Buffer
	write := func(comment string, objs ...any) error {
		for _, o := range objs {
			if u, ok := o.(map[string]any); ok {
				o = yamldiff.MaskSecret(&unstructured.Unstructured{Object: u}).Object
			}
			data, err := yaml.Marshal(o)
			if err != nil {
				return fmt.Errorf("encoding the render: %w", err)
			}
			if buf.Len() > 0 {
				buf.WriteString("---\n")
			}
			if comment != "" {
				buf.WriteString(comment + "\n")
			}
			buf.Write(data)
		}
		return nil
	}
	for _, j := range p.Pre {
		if err := write(fmt.Sprintf("# phase: %s, weight %d", PreDeploy, j.Weight), j.Object.Object); err != nil {
			return nil, err
		}
	}
	for _, o := range p.Main {
		if err := write("", o.Object); err != nil {
			return nil, err
		}
	}
	for _, j := range p.Post {
		if err := write(fmt.Sprintf("# phase: %s, weight %d", PostDeploy, j.Weight), j.Object.Object); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// Runs is the action of a phase Job in a diff: the deploy would run it.
const Runs apply.Action = "runs"

// withPhases puts the phase Jobs a deploy would run around changes, in
// the order it runs them: none when the deploy redeploys the current
// release, whose phases do not run again.
func (d *Deployer) withPhases(ctx context.Context, changes []Change, p Phases, versions []Version, manifest []byte) ([]Change, error) {
	if p.Empty() {
		return changes, nil
	}
	current, err := d.Current(ctx)
	if err != nil {
		return nil, err
	}
	rec := &release.Record{Manifest: manifest}
	for _, v := range versions {
		rec.Services = append(rec.Services, v.Service)
	}
	if current != nil && current.Status == release.Deployed && sameRelease(current, rec) {
		return changes, nil
	}
	phase := func(jobs []PhaseJob) ([]Change, error) {
		var out []Change
		for _, j := range jobs {
			text, err := yamldiff.Objects(object.RefOf(j.Object).Short(), nil, j.Object)
			if err != nil {
				return nil, err
			}
			text = fmt.Sprintf("(%s job, weight %d: runs to completion %s, under a name of its own)\n", j.Phase, j.Weight, phaseWhen(j.Phase)) + text
			out = append(out, Change{Ref: object.RefOf(j.Object), Action: Runs, Phase: j.Phase, Diff: text})
		}
		return out, nil
	}
	pre, err := phase(p.Pre)
	if err != nil {
		return nil, err
	}
	post, err := phase(p.Post)
	if err != nil {
		return nil, err
	}
	return append(append(pre, changes...), post...), nil
}

func phaseWhen(p Phase) string {
	if p == PreDeploy {
		return "before anything else is applied"
	}
	return "once the rollout is ready"
}
