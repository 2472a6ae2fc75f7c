package deploy

import (
	"context"
	"fmt"

	"github.com/x-platform/x-platform/internal/deploy/apply"
	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/yamldiff"
	"github.com/x-platform/x-platform/internal/manifest"
)

// Deploy puts selected services onto the cluster at the versions Resolve
// finds, the others staying at the versions deployed now: it renders the
// overlay once, runs Check on the final images, and applies, tracks and
// records the release (see Deployer.Deploy). A nil Outcome means nothing
// was applied.
func (e *Environment) Deploy(ctx context.Context, selected []*manifest.Service) (*Outcome, error) {
	if e.Settings.Namespace != "" {
		// Known without rendering: refused before anything else.
		if err := e.checkOwnNamespace(); err != nil {
			return nil, err
		}
		// Before images are resolved: a deploy into a preview's namespace
		// would be lost to preview gc.
		if err := e.checkNotPreview(ctx, false); err != nil {
			return nil, err
		}
	}
	versions, err := e.Versions(ctx, selected)
	if err != nil {
		return nil, err
	}
	return e.deploy(ctx, versions, nil)
}

// deploy renders the overlay with versions, refuses a namespace another
// environment records in, and deploys; source names the release a
// promote takes them from, nil for a deploy.
func (e *Environment) deploy(ctx context.Context, versions []Version, source *release.Source) (*Outcome, error) {
	r, err := e.Render(versions)
	if err != nil {
		return nil, err
	}
	if _, err := e.Phases(r); err != nil {
		return nil, err
	}
	if err := e.checkOwnNamespace(); err != nil {
		return nil, err
	}
	if err := e.checkNotPreview(ctx, true); err != nil {
		return nil, err
	}
	for _, name := range r.Unused {
		e.step("warning: no object of overlay %s uses image %s", e.Name, name)
	}
	d, err := e.deployer(ctx)
	if err != nil {
		return nil, err
	}
	d.Source = source
	if d.Tests, err = e.postTests(versions); err != nil {
		return nil, err
	}
	out, err := d.Deploy(ctx, versions, r.Objects, r.Record)
	e.nameCanaryFiles(err)
	return out, err
}

// Rollback re-applies an earlier release (see Deployer.Rollback), once its
// images are still in the registry and pass Check.
func (e *Environment) Rollback(ctx context.Context, to int) (*Outcome, error) {
	if err := e.checkOwnNamespace(); err != nil {
		return nil, err
	}
	if err := e.checkNotPreview(ctx, false); err != nil {
		return nil, err
	}
	d, err := e.deployer(ctx)
	if err != nil {
		return nil, err
	}
	return d.Rollback(ctx, to)
}

// History lists the environment's release records, oldest first.
func (e *Environment) History(ctx context.Context) ([]*release.Record, error) {
	d, err := e.deployer(ctx)
	if err != nil {
		return nil, err
	}
	return d.History(ctx)
}

// Deploying names the run that deploys to or rolls back the environment
// now, or "" when none does.
func (e *Environment) Deploying(ctx context.Context) (string, error) {
	d, err := e.deployer(ctx)
	if err != nil {
		return "", err
	}
	return newEnvLock(d.Cluster.Clientset, d.Namespace, e.Name).holderNow(ctx)
}

// Change is how a deploy would change one object.
type Change struct {
	Ref    object.Ref
	Action apply.Action
	// Diff is a unified diff of the object's YAML, Secret values masked,
	// or a line saying why the object is deleted or left in place; for a
	// phase Job, what it runs.
	Diff string
	// Phase is the phase of a Job the deploy would run (Action Runs);
	// "" for the objects it applies.
	Phase Phase
}

// Diff says which objects a deploy of selected would change (the other
// services at the versions Versions gives them), by a server-side dry run
// against the live objects; it changes nothing.
func (e *Environment) Diff(ctx context.Context, selected []*manifest.Service) ([]Change, error) {
	versions, err := e.Versions(ctx, selected)
	if err != nil {
		return nil, err
	}
	r, err := e.Render(versions)
	if err != nil {
		return nil, err
	}
	p, err := e.Phases(r)
	if err != nil {
		return nil, err
	}
	d, err := e.deployer(ctx)
	if err != nil {
		return nil, err
	}
	planned, err := d.applier().Plan(ctx, p.Main, true)
	if err != nil {
		return nil, err
	}
	out := []Change{}
	for _, ch := range planned {
		var text string
		switch ch.Action {
		case apply.Unchanged:
			continue
		case apply.Pruned:
			text = fmt.Sprintf("--- live/%s\n+++ /dev/null\n(deleted: the overlay no longer renders it)\n", ch.Ref.Short())
		case apply.Orphaned:
			text = fmt.Sprintf("(left in place, out of the set: the overlay no longer renders %s and namespaces are never deleted)\n", ch.Ref.Short())
		default:
			live, want := yamldiff.MaskSecrets(ch.Live, ch.Want)
			if text, err = yamldiff.Objects(ch.Ref.Short(), live, want); err != nil {
				return nil, err
			}
		}
		out = append(out, Change{Ref: ch.Ref, Action: ch.Action, Diff: text})
	}
	return d.withPhases(ctx, out, p, versions, r.Record)
}
