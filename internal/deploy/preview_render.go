package deploy

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/deploy/render"
)

// previewOverlay renders a preview from its template's overlay, every
// object moved into the preview's namespace. Other environments render as
// inner renders them.
type previewOverlay struct {
	inner     Renderer
	template  string // the template's overlay
	namespace string // the preview's name and namespace
}

var _ Renderer = (*previewOverlay)(nil)

// Render renders the template for the preview, or env's overlay for any
// other env.
func (o *previewOverlay) Render(env string, images []render.Image) (*render.Result, error) {
	if env != o.namespace {
		return o.inner.Render(env, images)
	}
	r, err := o.inner.Render(o.template, images)
	if err != nil {
		return nil, err
	}
	if err := intoNamespace(r.Objects, o.template, o.namespace); err != nil {
		return nil, &ConfigError{err}
	}
	// What is applied, printed and recorded names the preview's namespace.
	if err := r.Encode(); err != nil {
		return nil, err
	}
	return r, nil
}

// intoNamespace moves the template's objects into namespace ns: those that
// name the template's one namespace, and its Namespace object, which
// becomes the preview's. An object in another namespace, or another
// Namespace, would be shared with some other environment: refused.
func intoNamespace(objs []*unstructured.Unstructured, template, ns string) error {
	own := OverlayNamespace(objs)
	var errs []error
	for _, u := range objs {
		if isNamespaceObject(u) {
			if u.GetName() != own || own == "" {
				errs = append(errs, fmt.Errorf("%s: a preview creates no namespace but its own", object.RefOf(u)))
				continue
			}
			u.SetName(ns)
			continue
		}
		switch cur := u.GetNamespace(); {
		case cur == "":
		case cur == own:
			u.SetNamespace(ns)
		default:
			errs = append(errs, fmt.Errorf("%s: names namespace %s, not the template's own", object.RefOf(u), cur))
		}
		if u.GetKind() == "RoleBinding" {
			errs = append(errs, moveSubjects(u, own, ns)...)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("the preview template %s cannot be a preview, which never shares objects with another environment: %w", template, errors.Join(errs...))
	}
	return nil
}

// moveSubjects moves a RoleBinding's subjects of the template's namespace
// (as kustomize's namespace: sets them) into the preview's; a subject of
// another namespace is refused like an object there.
func moveSubjects(u *unstructured.Unstructured, own, ns string) []error {
	subjects, _, _ := unstructured.NestedSlice(u.Object, "subjects")
	var errs []error
	for _, s := range subjects {
		m, ok := s.(map[string]any)
		if !ok {
			continue
		}
		switch cur, _ := m["namespace"].(string); {
		case cur == "":
		case cur == own:
			m["namespace"] = ns
		default:
			errs = append(errs, fmt.Errorf("%s: binds a subject of namespace %s, not the template's own", object.RefOf(u), cur))
		}
	}
	if len(subjects) > 0 {
		if err := unstructured.SetNestedSlice(u.Object, subjects, "subjects"); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", object.RefOf(u), err))
		}
	}
	return errs
}

func isNamespaceObject(u *unstructured.Unstructured) bool {
	return u.GetKind() == "Namespace" && u.GetAPIVersion() == "v1"
}

// previewScope refuses cluster-scoped objects other than the preview's own
// Namespace: they would outlive the preview's namespace and be shared by
// every preview.
func previewScope(mapper meta.RESTMapper, ns string, objs []*unstructured.Unstructured) error {
	var errs []error
	for _, u := range objs {
		if isNamespaceObject(u) && u.GetName() == ns {
			continue
		}
		gvk := u.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			continue // reported by the deploy's dry run
		}
		if m.Scope.Name() != meta.RESTScopeNameNamespace {
			errs = append(errs, fmt.Errorf("%s is cluster-scoped", object.RefOf(u)))
		}
	}
	if len(errs) > 0 {
		return &ConfigError{fmt.Errorf("a preview holds only objects of its own namespace %s, nothing was applied: %w", ns, errors.Join(errs...))}
	}
	return nil
}
