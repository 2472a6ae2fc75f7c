package apply

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/x-platform/x-platform/internal/deploy/object"
)

// Change is what applying would do to one object.
type Change struct {
	Ref    object.Ref
	Action Action // Created, Configured, Unchanged, Pruned or Failed; "" when accepted but not compared
	Err    error
	// Live and Want are the object now and after applying, without the
	// fields the server maintains; nil where there is no such object. Set
	// only when Plan was asked to compare.
	Live, Want *unstructured.Unstructured
}

// Plan asks the server, with dry-run applies, what Apply would do, and
// changes nothing. With compare it also reads every live object and says
// which ones would change; without it, it only checks that every object
// would be accepted (conflicts, validation, admission). Custom resources
// whose CRD is in objs, and objects in namespaces objs creates, cannot be
// checked before those exist; they count as created. Failed objects are
// returned in the changes and as *ObjectsError.
func (a *Applier) Plan(ctx context.Context, objs []*unstructured.Unstructured, compare bool) ([]Change, error) {
	p, err := a.prepare(objs)
	if err != nil {
		return nil, err
	}
	creates := map[string]bool{}
	for _, i := range p.phase(phaseNamespaces) {
		creates[p.objs[i].ref.Name] = true
	}
	changes := make([]Change, len(p.objs))
	var g errgroup.Group
	g.SetLimit(a.parallel())
	for i, o := range p.objs {
		g.Go(func() error {
			changes[i] = a.planOne(ctx, o, creates, compare)
			return nil
		})
	}
	_ = g.Wait()
	var failed []Result
	for _, c := range changes {
		if c.Err != nil {
			failed = append(failed, Result{Ref: c.Ref, Action: Failed, Err: c.Err})
		}
	}
	if compare {
		prev, err := a.readParent(ctx)
		if err != nil {
			return changes, err
		}
		members, err := a.listMembers(ctx, prev)
		if err != nil {
			return changes, err
		}
		keep := map[object.Key]bool{}
		for _, o := range p.objs {
			keep[o.ref.Key()] = true
		}
		for k, m := range members {
			if !keep[k] {
				action := Pruned
				if isNamespace(m.ref) {
					action = Orphaned
				}
				changes = append(changes, Change{Ref: m.ref, Action: action})
			}
		}
	}
	if len(failed) > 0 {
		return changes, &ObjectsError{Failed: failed}
	}
	return changes, nil
}

func (a *Applier) planOne(ctx context.Context, o preparedObject, creates map[string]bool, compare bool) Change {
	c := Change{Ref: o.ref, Action: Failed}
	if o.pending {
		c.Action, c.Want = Created, normalize(o.obj)
		return c
	}
	var live *unstructured.Unstructured
	if compare {
		got, err := o.client(a.Dynamic).Get(ctx, o.ref.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			c.Err = fmt.Errorf("reading: %w", err)
			return c
		default:
			live = got
		}
	}
	want, err := a.patch(ctx, o, true)
	switch {
	case apierrors.IsNotFound(err) && o.namespaced && creates[o.ref.Namespace]:
		c.Action, c.Want = Created, normalize(o.obj)
		return c
	case err != nil:
		c.Err = err
		return c
	}
	c.Live, c.Want = normalize(live), normalize(want)
	switch {
	case !compare:
		c.Action = "" // accepted; whether it would change was not asked
		c.Live, c.Want = nil, nil
	case live == nil:
		c.Action = Created
	case equality.Semantic.DeepEqual(c.Live.Object, c.Want.Object):
		c.Action = Unchanged
	default:
		c.Action = Configured
	}
	return c
}

// normalize drops what the server maintains, leaving what a diff should show.
func normalize(u *unstructured.Unstructured) *unstructured.Unstructured {
	if u == nil {
		return nil
	}
	u = u.DeepCopy()
	for _, f := range []string{"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink"} {
		unstructured.RemoveNestedField(u.Object, "metadata", f)
	}
	unstructured.RemoveNestedField(u.Object, "status")
	return u
}
