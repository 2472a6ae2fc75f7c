package app

import (
	"fmt"
	"slices"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/manifest"
)

// checkOwnNamespace refuses to deploy an environment whose namespace
// another environment also names, on the same kube context. Two such
// environments share one field manager and one namespace: each would take
// over the other's objects and prune them, and their locks and release
// records would sit side by side. It asks no cluster: the namespaces are
// those of environments: in the manifest (or --namespace, for this one) and
// of the overlays; an environment placed only by its kube context's
// namespace is not compared.
func (t *target) checkOwnNamespace() error {
	mine := t.staticNamespace(t.env.Name, t.env.Namespace)
	if mine == "" {
		return nil
	}
	for _, other := range render.Envs(t.root) {
		if other == t.env.Name {
			continue
		}
		e, _ := t.m.Environment(other)
		if e.Context != t.env.Context {
			continue
		}
		if ns := t.staticNamespace(other, e.Namespace); ns == mine {
			where := "the current kube context"
			if e.Context != "" {
				where = "kube context " + e.Context
			}
			return usageError{fmt.Errorf("environments %s and %s both deploy to namespace %s on %s: each would take over and prune the other's objects; give each environment its own namespace (environments: in %s, or the overlay's namespace:)",
				t.env.Name, other, mine, where, manifest.FileName)}
		}
	}
	return nil
}

// staticNamespace is an environment's namespace as far as it is known
// without a cluster: the explicit one, else the one its overlay names.
func (t *target) staticNamespace(env, explicit string) string {
	if explicit != "" {
		return explicit
	}
	if !slices.Contains(render.Envs(t.root), env) {
		return ""
	}
	r, err := render.Render(t.root, env, nil)
	if err != nil {
		return "" // reported when that environment is deployed
	}
	return deploy.OverlayNamespace(r.Objects)
}
