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
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/manifest"
)

// Previews lists, deletes and collects the previews of one manifest on
// one cluster: namespaces labelled as previews whose names match the
// manifest's preview pattern and whose template annotation names its
// template. Other platforms' previews on the same cluster, or those of
// another manifest's template, are never listed nor deleted.
type Previews struct {
	Clientset kubernetes.Interface
	// Named maps the namespaces of named environments to their names:
	// never deleted, whatever their labels say.
	Named map[string]string
	// Pattern is the template's namespace pattern and Template its name;
	// with no Pattern no namespace is this manifest's preview.
	Pattern  *manifest.Preview
	Template string
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
	return &Previews{Clientset: cl.Clientset, Named: NamedNamespaces(m, t.Kubeconfig), Pattern: tmpl.Preview, Template: tmpl.Name}, nil
}

// NamedNamespaces maps the namespaces named environments deploy to, as far
// as they are known without a cluster, to the environments' names: the
// namespace environments: gives, else the overlay's own, else the one the
// environment's kube context (in kubeconfig; "" for the default rules)
// sets, else "default". A deploy --namespace elsewhere is known only on
// the cluster, by its release records (see Previews.recordsOf).
func NamedNamespaces(m *manifest.Manifest, kubeconfig string) map[string]string {
	root := filepath.Join(m.Root, KustomizeDir)
	out := map[string]string{}
	envs := render.Envs(root)
	for _, e := range m.Environments {
		if !slices.Contains(envs, e.Name) {
			envs = append(envs, e.Name)
		}
	}
	for _, env := range envs {
		settings, _ := m.Environment(env)
		if settings.Preview != nil {
			continue
		}
		ns := settings.Namespace
		if ns == "" {
			if r, err := Overlays(root).Render(env, nil); err == nil {
				ns = OverlayNamespace(r.Objects)
			}
		}
		if ns == "" {
			ns, _ = kube.ContextNamespace(kubeconfig, settings.Context)
		}
		if ns == "" {
			ns = "default"
		}
		out[ns] = env
	}
	return out
}

// ours says whether ns is one of this manifest's previews, and if not why.
func (ps *Previews) ours(ns *corev1.Namespace) (bool, string) {
	switch {
	case ns.Labels[PreviewLabel] != "true":
		return false, "it has no label " + PreviewLabel + "=true"
	case ps.Pattern == nil:
		return false, "this manifest has no preview template"
	case !ps.Pattern.Matches(ns.Name):
		return false, fmt.Sprintf("its name does not match this manifest's preview pattern %q: another platform's preview, or none", ps.Pattern.Namespace)
	case ns.Annotations[TemplateAnnotation] != ps.Template:
		return false, fmt.Sprintf("its annotation %s names template %q, not this manifest's %s: another platform's or manifest's preview", TemplateAnnotation, ns.Annotations[TemplateAnnotation], ps.Template)
	}
	return true, ""
}

// mine lists this manifest's previews' namespaces.
func (ps *Previews) mine(ctx context.Context) ([]corev1.Namespace, error) {
	list, err := ps.Clientset.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: PreviewLabel + "=true"})
	if err != nil {
		return nil, fmt.Errorf("listing the preview namespaces: %w", err)
	}
	var out []corev1.Namespace
	for _, ns := range list.Items {
		if ok, _ := ps.ours(&ns); ok {
			out = append(out, ns)
		}
	}
	return out, nil
}

// List returns this manifest's previews on the cluster by name, each with
// its last release record's revision and status.
func (ps *Previews) List(ctx context.Context) ([]Preview, error) {
	items, err := ps.mine(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Preview, len(items))
	var g errgroup.Group
	g.SetLimit(8)
	for i := range items {
		out[i] = previewOf(&items[i])
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
// release records with it. A namespace that is not one of this manifest's
// previews (see Previews), or where a named environment deploys, is
// refused.
func (ps *Previews) Delete(ctx context.Context, name string) (Preview, error) {
	ns, err := ps.Clientset.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return Preview{}, &ConfigError{fmt.Errorf("%w %s: see x-platform preview list", ErrNoPreview, name)}
	}
	if err != nil {
		return Preview{}, fmt.Errorf("reading namespace %s: %w", name, err)
	}
	p := previewOf(ns)
	if ok, why := ps.ours(ns); !ok {
		return p, &ConfigError{&NotPreviewError{Namespace: name, Why: why}}
	}
	if err := ps.deletable(ctx, name); err != nil {
		return p, err
	}
	if p.Terminating {
		return p, nil
	}
	return p, ps.delete(ctx, name, ns.ResourceVersion)
}

// deletable refuses a preview's namespace that a named environment
// deploys to: by the manifest and kubeconfig (Named), or by the release
// records a deploy --namespace left there.
func (ps *Previews) deletable(ctx context.Context, name string) error {
	if env, ok := ps.Named[name]; ok {
		return &ConfigError{&NotPreviewError{Namespace: name, Why: "environment " + env + " deploys to it"}}
	}
	env, err := ps.recordsOf(ctx, name)
	if err != nil {
		return err
	}
	if env != "" {
		return &ConfigError{&NotPreviewError{Namespace: name, Why: "environment " + env + " keeps its release records in it"}}
	}
	return nil
}

// recordsOf names an environment other than the preview itself whose
// release records are in namespace ns, or "" when there is none.
func (ps *Previews) recordsOf(ctx context.Context, ns string) (string, error) {
	list, err := ps.Clientset.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: release.OwnerLabel + "=x-platform," + release.EnvLabel})
	if err != nil {
		return "", fmt.Errorf("reading the release records in namespace %s: %w", ns, err)
	}
	for _, s := range list.Items {
		if env := s.Labels[release.EnvLabel]; env != ns {
			return env, nil
		}
	}
	return "", nil
}

// errChanged is a namespace changed since it was read: a deploy refreshed
// its expiry.
var errChanged = errors.New("changed since it was read")

// delete deletes the namespace as it was read: a deploy that refreshed
// its expiry since then keeps it.
func (ps *Previews) delete(ctx context.Context, name, resourceVersion string) error {
	policy := metav1.DeletePropagationBackground
	err := ps.Clientset.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{ResourceVersion: &resourceVersion}, PropagationPolicy: &policy,
	})
	switch {
	case err == nil || apierrors.IsNotFound(err):
		return nil
	case apierrors.IsConflict(err):
		return fmt.Errorf("deleting preview %s: %w", name, errChanged)
	}
	return fmt.Errorf("deleting preview %s: %w", name, err)
}

// Collect deletes this manifest's previews whose expiry passed before now,
// or only lists them when dryRun. It returns the expired previews, those
// it left with Skipped saying why: one whose deploy (or rollback) holds
// its lock, one a deploy changed since it was read. One that could not be
// deleted does not stop the others.
func (ps *Previews) Collect(ctx context.Context, now time.Time, dryRun bool) ([]Preview, error) {
	items, err := ps.mine(ctx)
	if err != nil {
		return nil, err
	}
	var out []Preview
	var errs []error
	for i := range items {
		ns := &items[i]
		p := previewOf(ns)
		if !p.Expired(now) || p.Terminating {
			continue
		}
		if err := ps.deletable(ctx, ns.Name); err != nil {
			errs = append(errs, err)
			continue
		}
		holder, err := newEnvLock(ps.Clientset, ns.Name, ns.Name).holderNow(ctx)
		switch {
		case err != nil:
			errs = append(errs, err)
			continue
		case holder != "":
			p.Skipped = "a deploy holds its lock (" + holder + ")"
		case !dryRun:
			if err := ps.delete(ctx, ns.Name, ns.ResourceVersion); errors.Is(err, errChanged) {
				p.Skipped = "a deploy changed it since it was read"
			} else if err != nil {
				errs = append(errs, err)
				continue
			}
		}
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}
