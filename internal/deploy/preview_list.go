package deploy

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/manifest"
)

// Previews lists, deletes and collects the previews of one cluster.
type Previews struct {
	Clientset kubernetes.Interface
	// Named maps the namespaces of named environments to their names:
	// never deleted, whatever their labels say.
	Named map[string]string
}

// OpenPreviews connects to the cluster of the manifest's preview template
// (its context, unless t names another), or the current context's when
// the manifest has no template.
func OpenPreviews(ctx context.Context, m *manifest.Manifest, t Target) (*Previews, error) {
	tmpl, _ := m.PreviewTemplate()
	o := kube.Options{Kubeconfig: t.Kubeconfig, Context: tmpl.Context}
	if t.Context != "" {
		o.Context = t.Context
	}
	cl, err := kube.Connect(ctx, o)
	if err != nil {
		return nil, err
	}
	return &Previews{Clientset: cl.Clientset, Named: NamedNamespaces(m)}, nil
}

// NamedNamespaces maps the namespaces named environments deploy to, as far
// as they are known without a cluster (environments: and the overlays'
// own namespaces), to the environments' names.
func NamedNamespaces(m *manifest.Manifest) map[string]string {
	root := filepath.Join(m.Root, KustomizeDir)
	out := map[string]string{}
	for _, env := range render.Envs(root) {
		settings, _ := m.Environment(env)
		switch {
		case settings.Preview != nil:
		case settings.Namespace != "":
			out[settings.Namespace] = env
		default:
			if r, err := Overlays(root).Render(env, nil); err == nil {
				if ns := OverlayNamespace(r.Objects); ns != "" {
					out[ns] = env
				}
			}
		}
	}
	for _, e := range m.Environments {
		if e.Preview == nil && e.Namespace != "" {
			out[e.Namespace] = e.Name
		}
	}
	return out
}

// List returns the previews of the cluster by name, each with its last
// release record's revision and status.
func (ps *Previews) List(ctx context.Context) ([]Preview, error) {
	list, err := ps.Clientset.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: PreviewLabel + "=true"})
	if err != nil {
		return nil, fmt.Errorf("listing the preview namespaces: %w", err)
	}
	out := make([]Preview, len(list.Items))
	var g errgroup.Group
	g.SetLimit(8)
	for i := range list.Items {
		out[i] = previewOf(&list.Items[i])
		g.Go(func() error {
			store := &release.Store{Secrets: ps.Clientset.CoreV1().Secrets(out[i].Name), Env: out[i].Name}
			records, err := store.List(ctx)
			if err != nil {
				return fmt.Errorf("reading the releases of preview %s: %w", out[i].Name, err)
			}
			if n := len(records); n > 0 {
				out[i].Revision, out[i].Status = records[n-1].Revision, records[n-1].Status
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Preview) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// ErrNoPreview is a preview name the cluster has no namespace of.
var ErrNoPreview = errors.New("no such preview")

// Delete deletes the preview's namespace, which takes its objects and
// release records with it. A namespace that is not labelled as a preview,
// or that a named environment deploys to, is refused.
func (ps *Previews) Delete(ctx context.Context, name string) (Preview, error) {
	ns, err := ps.Clientset.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return Preview{}, &ConfigError{fmt.Errorf("%w %s: see x-platform preview list", ErrNoPreview, name)}
	}
	if err != nil {
		return Preview{}, fmt.Errorf("reading namespace %s: %w", name, err)
	}
	p := previewOf(ns)
	if err := ps.deletable(name, ns.Labels[PreviewLabel]); err != nil {
		return p, err
	}
	if p.Terminating {
		return p, nil
	}
	return p, ps.delete(ctx, name, ns.ResourceVersion)
}

func (ps *Previews) deletable(name, label string) error {
	if env, ok := ps.Named[name]; ok {
		return &ConfigError{&NotPreviewError{Namespace: name, Why: "environment " + env + " deploys to it"}}
	}
	if label != "true" {
		return &ConfigError{&NotPreviewError{Namespace: name, Why: "it has no label " + PreviewLabel + "=true"}}
	}
	return nil
}

// delete deletes the namespace as it was read: a deploy that refreshed
// its expiry since then keeps it.
func (ps *Previews) delete(ctx context.Context, name, resourceVersion string) error {
	policy := metav1.DeletePropagationBackground
	err := ps.Clientset.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{ResourceVersion: &resourceVersion}, PropagationPolicy: &policy,
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting preview %s: %w", name, err)
	}
	return nil
}

// Collect deletes the previews whose expiry passed before now, or only
// lists them when dryRun. It returns the expired previews; one that could
// not be deleted does not stop the others.
func (ps *Previews) Collect(ctx context.Context, now time.Time, dryRun bool) ([]Preview, error) {
	list, err := ps.Clientset.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: PreviewLabel + "=true"})
	if err != nil {
		return nil, fmt.Errorf("listing the preview namespaces: %w", err)
	}
	var out []Preview
	var errs []error
	for i := range list.Items {
		ns := &list.Items[i]
		p := previewOf(ns)
		if !p.Expired(now) || p.Terminating {
			continue
		}
		if err := ps.deletable(ns.Name, ns.Labels[PreviewLabel]); err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, p)
		if dryRun {
			continue
		}
		if err := ps.delete(ctx, ns.Name, ns.ResourceVersion); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}
