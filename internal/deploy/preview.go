package deploy

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/manifest"
)

// The label and annotations that make a namespace a preview's. list,
// delete and gc go by the label, the name (the template's pattern) and
// the template annotation together: a namespace without all three is never
// deleted by them.
const (
	PreviewLabel       = "x-platform.io/preview"
	BranchAnnotation   = "x-platform.io/preview-branch"
	CreatedAnnotation  = "x-platform.io/preview-created"
	ExpiresAnnotation  = "x-platform.io/preview-expires-at"
	ServicesAnnotation = "x-platform.io/preview-services"
	TemplateAnnotation = "x-platform.io/preview-template"
)

// Preview is one preview environment: a namespace of its own, made from the
// manifest's preview template for a branch.
type Preview struct {
	// Name is the preview's namespace, and the environment name its
	// release records and ApplySet go by.
	Name     string
	Branch   string
	Template string
	// Branched are the services built from the branch; the others run
	// their pinned references' images.
	Branched []string
	Created  time.Time
	Expires  time.Time
	// TTL is how long a deploy of the preview makes it live from then on.
	TTL time.Duration
	// Revision and Status are those of the preview's last release record;
	// 0 and "" when it has none.
	Revision int
	Status   release.Status
	// Terminating says the namespace is being deleted.
	Terminating bool
	// Skipped, from Previews.Collect, says why an expired preview was
	// left in place.
	Skipped string
}

// Expired says whether the preview's time ran out before now. A preview
// whose expiry is unknown never expires.
func (p Preview) Expired(now time.Time) bool {
	return !p.Expires.IsZero() && p.Expires.Before(now)
}

// NoTemplateError is a preview asked of a manifest that has no template.
type NoTemplateError struct{}

func (*NoTemplateError) Error() string {
	return fmt.Sprintf(`%s has no preview template: add an environment whose overlay is the template, e.g.

environments:
  preview:
    preview:
      namespace: "preview-{branch}"
      ttl: 72h

and its overlay %s/overlays/preview/kustomization.yaml`, manifest.FileName, KustomizeDir)
}

// OpenPreview returns the environment of the preview of branch, made from
// the manifest's preview template: named after, and placed in, the
// namespace the template's pattern gives the branch; rendered from the
// template's overlay. t.Env is ignored; t.Kubeconfig and t.Context choose
// the cluster as they do for any environment.
func OpenPreview(m *manifest.Manifest, t Target, branch string, ttl time.Duration) (*Environment, *Preview, error) {
	tmpl, ok := m.PreviewTemplate()
	if !ok {
		return nil, nil, &ConfigError{&NoTemplateError{}}
	}
	branch = manifest.TrimBranch(branch)
	if branch == "" {
		return nil, nil, &ConfigError{fmt.Errorf("a preview needs a branch name")}
	}
	if ttl <= 0 {
		ttl = tmpl.Preview.TTL
	}
	ns := tmpl.Preview.NamespaceFor(branch)
	e, err := openPreview(m, tmpl, t, ns)
	if err != nil {
		return nil, nil, err
	}
	return e, &Preview{Name: ns, Branch: branch, Template: tmpl.Name, TTL: ttl, Expires: time.Now().Add(ttl)}, nil
}

// openPreview returns the environment of the preview in namespace ns, made
// from the template tmpl.
func openPreview(m *manifest.Manifest, tmpl manifest.Environment, t Target, ns string) (*Environment, error) {
	root := filepath.Join(m.Root, KustomizeDir)
	if known := render.Envs(root); !slices.Contains(known, tmpl.Name) {
		return nil, &ConfigError{&render.UnknownEnvError{Env: tmpl.Name, Dir: render.OverlayDir(root, tmpl.Name), Known: known}}
	}
	settings := tmpl
	settings.Name, settings.Namespace = ns, ns
	if t.Context != "" {
		settings.Context = t.Context
	}
	e := &Environment{Manifest: m, Name: ns, Template: tmpl.Name, Root: root, Settings: settings, Kubeconfig: t.Kubeconfig}
	e.Renderer = &previewOverlay{inner: Overlays(root), template: tmpl.Name, namespace: ns}
	return e, nil
}

// CheckPreview finds, before anything is built, what would refuse the
// preview p of e: a namespace shared with another environment, a template
// object outside the preview's namespace, a namespace of the preview's
// name that is not this preview's. It changes nothing.
func (e *Environment) CheckPreview(ctx context.Context, p *Preview) error {
	if err := e.checkOwnNamespace(); err != nil {
		return err
	}
	r, err := e.layout()
	if err != nil {
		return err
	}
	cl, err := e.connect(ctx)
	if err != nil {
		return err
	}
	if err := previewScope(cl.Mapper, p.Name, r.Objects); err != nil {
		return err
	}
	_, err = previewNamespace(ctx, cl.Clientset, p)
	return err
}

// DeployPreview deploys every service of the platform to the preview p of
// e (see OpenPreview): the services of branched at the versions given, built
// from the branch, the others at the versions Resolve finds for their
// pinned references. It creates the preview's namespace, or refreshes its
// expiry, before handing the render to the Deployer, so the preview keeps
// its release records and ApplySet as any environment does.
func (e *Environment) DeployPreview(ctx context.Context, p *Preview, branched []Version) (*Outcome, error) {
	if err := e.checkOwnNamespace(); err != nil {
		return nil, err
	}
	given := map[string]Version{}
	for _, v := range branched {
		given[v.Name] = v
	}
	var rest []*manifest.Service
	for _, s := range e.Manifest.Services {
		if _, ok := given[s.Name]; !ok {
			rest = append(rest, s)
		}
	}
	versions, err := e.Resolve(ctx, rest)
	if err != nil {
		return nil, err
	}
	versions = inOrder(e.Manifest.Services, given, versions)
	r, err := e.Render(versions)
	if err != nil {
		return nil, err
	}
	cl, err := e.connect(ctx)
	if err != nil {
		return nil, err
	}
	if err := previewScope(cl.Mapper, p.Name, r.Objects); err != nil {
		return nil, err
	}
	p.Branched = p.Branched[:0]
	for _, v := range branched {
		p.Branched = append(p.Branched, v.Name)
	}
	p.Expires = time.Now().Add(p.TTL) // counted from the deploy, not from before the builds
	e.step("preview %s of branch %s expires at %s", p.Name, p.Branch, p.Expires.UTC().Format(time.RFC3339))
	if err := ensurePreviewNamespace(ctx, cl.Clientset, p, time.Now()); err != nil {
		return nil, err
	}
	return e.deploy(ctx, versions, nil)
}
