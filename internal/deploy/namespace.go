package deploy

import (
	"context"
	"fmt"

	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/manifest"
)

// checkOwnNamespace refuses an environment whose namespace another
// environment also names, on the same kube context. Two such environments
// share one field manager and one namespace: each would take over the
// other's objects and prune them, and their locks and release records
// would sit side by side. It asks no cluster: the namespaces are those
// the environments name (Settings, the manifest's environments:) and
// those of their overlays; an environment placed only by its kube
// context's namespace is not compared. This environment's overlay is
// read from the command's render, so a deploy makes none for it.
func (e *Environment) checkOwnNamespace() error {
	if e.checked {
		return nil
	}
	mine := e.Settings.Namespace
	if mine == "" {
		r, err := e.layout()
		if err != nil {
			return err
		}
		if mine = OverlayNamespace(r.Objects); mine == "" {
			e.checked = true
			return nil
		}
	}
	for _, other := range render.Envs(e.Root) {
		if other == e.Name {
			continue
		}
		o, _ := e.Manifest.Environment(other)
		if o.Context != e.Settings.Context {
			continue
		}
		if ns := e.staticNamespace(other, o.Namespace); ns == mine {
			where := "the current kube context"
			if o.Context != "" {
				where = "kube context " + o.Context
			}
			return &ConfigError{fmt.Errorf("environments %s and %s both deploy to namespace %s on %s: each would take over and prune the other's objects; give each environment its own namespace (environments: in %s, or the overlay's namespace:)",
				e.Name, other, mine, where, manifest.FileName)}
		}
	}
	e.checked = true
	return nil
}

// staticNamespace is another environment's namespace as far as it is
// known without a cluster: the explicit one, else the one its overlay names.
func (e *Environment) staticNamespace(env, explicit string) string {
	if explicit != "" {
		return explicit
	}
	r, err := e.renderer().Render(env, nil)
	if err != nil {
		return "" // reported when that environment is deployed
	}
	return OverlayNamespace(r.Objects)
}

// lockedDeployer opens the deployer of an environment whose namespace is
// its own and takes the environment's lock, for the commands that change
// or test what runs there; the context returned ends when the lock is
// lost, and unlock releases it.
func (e *Environment) lockedDeployer(ctx context.Context) (context.Context, *Deployer, func(), error) {
	if err := e.checkOwnNamespace(); err != nil {
		return ctx, nil, nil, err
	}
	d, err := e.deployer(ctx)
	if err != nil {
		return ctx, nil, nil, err
	}
	lctx, unlock, err := d.lock(ctx)
	if err != nil {
		return ctx, nil, nil, err
	}
	return lctx, d, unlock, nil
}
