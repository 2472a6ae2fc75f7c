package deploy

import (
	"context"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/manifest"
)

// PreviewNamespaceError refuses a named environment that would deploy into
// a preview's namespace: preview gc or delete would later delete it with
// everything in it.
type PreviewNamespaceError struct {
	Env, Namespace string
	Why            string
}

func (e *PreviewNamespaceError) Error() string {
	return fmt.Sprintf("environment %s would deploy to namespace %s, which %s: preview gc and preview delete delete a preview's namespace with everything in it; give %s a namespace of its own (--namespace, environments.%s.namespace in %s, or its overlay's namespace:)",
		e.Env, e.Namespace, e.Why, e.Env, e.Env, manifest.FileName)
}

// checkNotPreview refuses a named environment any of whose namespaces is
// a preview's: labelled as one on the cluster, or a name the preview
// template's pattern can make. However the namespace was chosen — the
// environment's entry, --namespace, the overlay, the kube context — it is
// checked here, once the command knows it. With objects, the namespaces
// of the command's render (its objects' and the Namespaces it makes) are
// checked too; without, only where the records live, which needs no
// render when it was named.
func (e *Environment) checkNotPreview(ctx context.Context, objects bool) error {
	if e.Template != "" || e.notPreview {
		return nil
	}
	home, err := e.Namespace(ctx)
	if err != nil {
		return err
	}
	names := []string{home}
	if objects {
		r, err := e.layout()
		if err != nil {
			return err
		}
		for _, o := range r.Objects {
			ns := o.GetNamespace()
			if isNamespaceObject(o) {
				ns = o.GetName()
			}
			if ns != "" && !slices.Contains(names, ns) {
				names = append(names, ns)
			}
		}
	}
	tmpl, hasTemplate := e.Manifest.PreviewTemplate()
	cl, err := e.connect(ctx)
	if err != nil {
		return err
	}
	for _, ns := range names {
		if hasTemplate && tmpl.Preview.Matches(ns) {
			return &ConfigError{&PreviewNamespaceError{Env: e.Name, Namespace: ns,
				Why: fmt.Sprintf("previews may take (environments.%s.preview.namespace is %q)", tmpl.Name, tmpl.Preview.Namespace)}}
		}
		live, err := cl.Clientset.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			return fmt.Errorf("reading namespace %s: %w", ns, err)
		case live.Labels[PreviewLabel] == "true":
			return &ConfigError{&PreviewNamespaceError{Env: e.Name, Namespace: ns,
				Why: fmt.Sprintf("is labelled %s=true (the preview of branch %q)", PreviewLabel, live.Annotations[BranchAnnotation])}}
		}
	}
	e.notPreview = objects
	return nil
}
