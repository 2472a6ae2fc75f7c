package apply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/x-platform/x-platform/internal/deploy/applyset"
	"github.com/x-platform/x-platform/internal/deploy/object"
)

// FieldManager is the name server-side apply records as the owner of the
// fields a deploy sets.
const FieldManager = "x-platform"

// Action says what applying did to one object.
type Action string

// Actions of Apply and Diff.
const (
	Created    Action = "created"
	Configured Action = "configured"
	Unchanged  Action = "unchanged"
	Pruned     Action = "pruned"
	// Orphaned: a Namespace the overlay no longer renders, left in place
	// but no longer part of the set (namespaces are never pruned).
	Orphaned Action = "orphaned"
	Failed   Action = "failed"
)

// Result is one object's outcome.
type Result struct {
	Ref    object.Ref
	Action Action
	Err    error
	// Live is the object as the server returned it after applying; nil when
	// it failed or was pruned.
	Live *unstructured.Unstructured
}

// Applier applies objects as members of one ApplySet.
type Applier struct {
	Dynamic dynamic.Interface
	Mapper  meta.ResettableRESTMapper
	Set     applyset.Parent
	// Force takes over fields that other managers own instead of reporting
	// a conflict.
	Force bool
	// Parallel bounds the requests in flight; 0 means 8.
	Parallel int
}

// ObjectsError lists the objects that could not be applied or pruned.
type ObjectsError struct {
	Failed []Result
}

func (e *ObjectsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d object(s) failed:", len(e.Failed))
	for _, r := range e.Failed {
		fmt.Fprintf(&b, "\n  %s: %v", r.Ref, r.Err)
	}
	return b.String()
}

// Apply makes the cluster hold objs and nothing else of the set: it records
// every kind in the set's parent, applies namespaces, then CRDs, then the
// rest, and when all of them succeeded deletes the members that objs no
// longer hold. It returns one result per object, then one per pruned object.
// When any object fails nothing is pruned and the error is *ObjectsError.
func (a *Applier) Apply(ctx context.Context, objs []*unstructured.Unstructured) ([]Result, error) {
	p, err := a.prepare(objs)
	if err != nil {
		return nil, err
	}
	prev, err := a.readParent(ctx)
	if err != nil {
		return nil, err
	}
	members, err := a.listMembers(ctx, prev.Union(p.inventory(a.Set.Namespace)))
	if err != nil {
		return nil, err
	}
	results := make([]Result, len(p.objs))
	apply := func(idx []int) error {
		a.applyEach(ctx, p, idx, members, results)
		if failed := failures(results, idx); len(failed) > 0 {
			return &ObjectsError{Failed: failed}
		}
		return nil
	}
	if err := apply(p.phase(phaseNamespaces)); err != nil {
		return results, err
	}
	// The parent lists every kind before any member exists, so members of an
	// interrupted deploy can still be found and pruned later.
	if err := a.writeParent(ctx, prev.Union(p.inventory(a.Set.Namespace))); err != nil {
		return results, err
	}
	if crds := p.phase(phaseCRDs); len(crds) > 0 {
		if err := apply(crds); err != nil {
			return results, err
		}
		if err := a.waitEstablished(ctx, p, crds, results); err != nil {
			return results, err
		}
		if err := a.remap(p); err != nil {
			return results, err
		}
	}
	if err := apply(p.phase(phaseRest)); err != nil {
		return results, err
	}
	pruned, err := a.prune(ctx, p, members)
	results = append(results, pruned...)
	if err != nil {
		return results, err
	}
	return results, a.writeParent(ctx, p.inventory(a.Set.Namespace))
}

func failures(results []Result, idx []int) []Result {
	var out []Result
	for _, i := range idx {
		if results[i].Err != nil {
			out = append(out, results[i])
		}
	}
	return out
}

func (a *Applier) parallel() int {
	if a.Parallel > 0 {
		return a.Parallel
	}
	return 8
}

// applyEach applies the objects at idx concurrently into results.
func (a *Applier) applyEach(ctx context.Context, p *prepared, idx []int, members map[object.Key]member, results []Result) {
	var g errgroup.Group
	g.SetLimit(a.parallel())
	for _, i := range idx {
		g.Go(func() error {
			results[i] = a.applyOne(ctx, p.objs[i], members)
			return nil
		})
	}
	_ = g.Wait()
}

func (a *Applier) applyOne(ctx context.Context, o preparedObject, members map[object.Key]member) Result {
	res := Result{Ref: o.ref, Action: Failed}
	before, known := members[o.ref.Key()]
	if !known {
		// Not yet a member: it is either new or adopted from outside the set.
		live, err := o.client(a.Dynamic).Get(ctx, o.ref.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			res.Err = fmt.Errorf("reading: %w", err)
			return res
		default:
			before, known = member{ref: o.ref, resourceVersion: live.GetResourceVersion()}, true
		}
	}
	live, err := a.patch(ctx, o, false)
	if err != nil {
		res.Err = err
		return res
	}
	res.Live = live
	switch {
	case !known:
		res.Action = Created
	case before.resourceVersion == live.GetResourceVersion():
		res.Action = Unchanged
	default:
		res.Action = Configured
	}
	return res
}

// patch server-side applies one object, or only asks the server what it
// would become when dryRun is set.
func (a *Applier) patch(ctx context.Context, o preparedObject, dryRun bool) (*unstructured.Unstructured, error) {
	data, err := json.Marshal(o.obj.Object)
	if err != nil {
		return nil, fmt.Errorf("encoding: %w", err)
	}
	opts := metav1.PatchOptions{FieldManager: FieldManager, Force: &a.Force}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	live, err := o.client(a.Dynamic).Patch(ctx, o.ref.Name, types.ApplyPatchType, data, opts)
	if err != nil {
		return nil, explain(err)
	}
	return live, nil
}

// explain turns an apply conflict into the fields and their owners.
func explain(err error) error {
	var status apierrors.APIStatus
	if !apierrors.IsConflict(err) || !errors.As(err, &status) || status.Status().Details == nil {
		return err
	}
	var fields []string
	for _, c := range status.Status().Details.Causes {
		if c.Type == metav1.CauseTypeFieldManagerConflict {
			fields = append(fields, c.Field+" ("+c.Message+")")
		}
	}
	if len(fields) == 0 {
		return err
	}
	slices.Sort(fields)
	return &ConflictError{Fields: fields, Err: err}
}

// ConflictError is an apply refused because other field managers own some
// of the fields it sets.
type ConflictError struct {
	Fields []string // each field with the server's words: .spec.replicas (conflict with "kubectl-edit" using apps/v1)
	Err    error
}

func (e *ConflictError) Error() string {
	return strings.Join(e.Fields, "; ") + " (rerun with --force-conflicts to take these fields over)"
}
func (e *ConflictError) Unwrap() error { return e.Err }
