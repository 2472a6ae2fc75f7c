package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/deploy/release"
)

// CanaryLabel marks the pods, and the Deployment, of a canary: the new
// version running beside the stable one.
const CanaryLabel = "x-platform.io/canary"

// canarySuffix names a canary's Deployment after the stable one.
const canarySuffix = "-canary"

// canaryReplicas splits a Deployment's total replicas at a step: the
// canary gets its share rounded up, but never all of them nor none, so
// that both versions run while the canary does.
func canaryReplicas(total, percent int) (canary, stable int) {
	canary = (total*percent + 99) / 100
	canary = max(1, min(canary, total-1))
	return canary, total - canary
}

// routeWeights are the weights of the stable and canary backends of an
// HTTPRoute at a step.
func routeWeights(percent int) (stable, canary int) {
	return 100 - percent, percent
}

// CanaryProblem is a Deployment a canary cannot split.
type CanaryProblem struct {
	Ref  object.Ref
	File string // the overlay file it comes from, when known
	Msg  string
}

// CanaryError lists the workloads of an overlay a canary cannot split.
type CanaryError struct{ Problems []CanaryProblem }

func (e *CanaryError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		where := p.Ref.Short()
		if p.File != "" {
			where = p.File + ": " + where
		}
		lines[i] = where + ": " + p.Msg
	}
	return "the canary cannot split: " + strings.Join(lines, "; ")
}

// canaryTarget is a Deployment whose pod template a release changes: the
// canary runs the new template beside the stable one.
type canaryTarget struct {
	Want     *unstructured.Unstructured // the Deployment as the release renders it
	Total    int                        // the replicas the release gives it
	Replicas int                        // what the stable ran before
	// Service and Routes, set when an HTTPRoute reaches the Deployment
	// through a Service, split the traffic by route weights.
	Service *unstructured.Unstructured
	Routes  []string
}

// planCanary finds the Deployments of objs whose pod template differs
// from the one the deployed release (its manifest, prev) recorded: the
// ones a canary splits. A new Deployment has no stable version to split
// and rolls out with the release. One that cannot be split is a problem:
// fewer than 2 replicas, no matchLabels selector, or scaled by a
// HorizontalPodAutoscaler.
func planCanary(objs, prev []*unstructured.Unstructured) ([]canaryTarget, []CanaryProblem) {
	before := map[object.Key]*unstructured.Unstructured{}
	for _, o := range prev {
		before[object.RefOf(o).Key()] = o
	}
	scaled := map[string]string{}
	for _, o := range objs {
		if o.GetKind() == "HorizontalPodAutoscaler" {
			kind, _, _ := unstructured.NestedString(o.Object, "spec", "scaleTargetRef", "kind")
			name, _, _ := unstructured.NestedString(o.Object, "spec", "scaleTargetRef", "name")
			if kind == "Deployment" {
				scaled[o.GetNamespace()+"/"+name] = o.GetName()
			}
		}
	}
	var out []canaryTarget
	var problems []CanaryProblem
	for _, o := range objs {
		if o.GetKind() != "Deployment" || o.GetAPIVersion() != "apps/v1" {
			continue
		}
		old, ok := before[object.RefOf(o).Key()]
		if !ok || sameTemplate(old, o) {
			continue
		}
		total := replicasOf(o)
		bad := func(format string, args ...any) {
			problems = append(problems, CanaryProblem{Ref: object.RefOf(o), Msg: fmt.Sprintf(format, args...)})
		}
		labels, _, _ := unstructured.NestedStringMap(o.Object, "spec", "selector", "matchLabels")
		switch {
		case scaled[o.GetNamespace()+"/"+o.GetName()] != "":
			bad("HorizontalPodAutoscaler %s scales it: its replicas are not the deploy's to split", scaled[o.GetNamespace()+"/"+o.GetName()])
		case total < 2:
			bad("it has %d replica(s): a canary by replicas needs at least 2, one for each version", total)
		case len(labels) == 0:
			bad("its selector has no matchLabels for the canary's label to extend")
		default:
			out = append(out, canaryTarget{Want: o, Total: total, Replicas: replicasOf(old)})
		}
	}
	return out, problems
}

// sameTemplate compares pod templates as JSON: one read back from a
// record and one rendered may hold numbers of different Go types.
func sameTemplate(a, b *unstructured.Unstructured) bool {
	ta, _, _ := unstructured.NestedFieldNoCopy(a.Object, "spec", "template")
	tb, _, _ := unstructured.NestedFieldNoCopy(b.Object, "spec", "template")
	ja, erra := json.Marshal(ta)
	jb, errb := json.Marshal(tb)
	return erra == nil && errb == nil && bytes.Equal(ja, jb)
}

// replicasOf is a Deployment's spec.replicas; none is 1.
func replicasOf(o *unstructured.Unstructured) int {
	v, _, _ := unstructured.NestedFieldNoCopy(o.Object, "spec", "replicas")
	switch n := v.(type) {
	case int64:
		return int(n)
	case int:
		return n
	case float64: // JSON numbers
		return int(n)
	}
	return 1
}

// canaryDeployment is the canary of a Deployment as a release renders it:
// the same pod template, new images, under <name>-canary, its selector
// and pods carrying CanaryLabel so that the two Deployments own apart
// pods while a Service that selects the stable pods selects both.
func canaryDeployment(want *unstructured.Unstructured, ns string, replicas int) *unstructured.Unstructured {
	c := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "apps/v1", "kind": "Deployment"}}
	c.SetName(want.GetName() + canarySuffix)
	c.SetNamespace(ns)
	labels := want.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[CanaryLabel] = "true"
	c.SetLabels(labels)
	spec, _, _ := unstructured.NestedMap(want.Object, "spec")
	spec["replicas"] = int64(replicas)
	c.Object["spec"] = spec
	_ = unstructured.SetNestedField(c.Object, "true", "spec", "selector", "matchLabels", CanaryLabel)
	_ = unstructured.SetNestedField(c.Object, "true", "spec", "template", "metadata", "labels", CanaryLabel)
	return c
}

// canaryWorkloads is what a release record keeps of the targets.
func canaryWorkloads(targets []canaryTarget, ns string) []release.CanaryWorkload {
	out := make([]release.CanaryWorkload, len(targets))
	for i, t := range targets {
		out[i] = release.CanaryWorkload{Namespace: nsOr(t.Want.GetNamespace(), ns), Name: t.Want.GetName(), Replicas: t.Replicas, Total: t.Total}
		if t.Service != nil {
			out[i].Service, out[i].Routes = t.Service.GetName(), t.Routes
		}
	}
	return out
}

func nsOr(ns, def string) string {
	if ns == "" {
		return def
	}
	return ns
}

// describeStep says where a canary stands, for records and progress.
func describeStep(c *release.CanaryRecord) string {
	for i, s := range c.Steps {
		if s == c.Step {
			return fmt.Sprintf("canary at %d%% (step %d of %d)", s, i+1, len(c.Steps))
		}
	}
	return fmt.Sprintf("canary at %d%%", c.Step)
}
