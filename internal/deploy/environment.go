package deploy

import (
	"context"
	"path/filepath"
	"slices"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/ui"
)

// KustomizeDir is where, next to the manifest, the bases and overlays live.
const KustomizeDir = "k8s"

// Target names an environment and how to reach its cluster, as a command
// line does. Empty fields take the manifest's environments: entry, then
// the kubeconfig's defaults.
type Target struct {
	Env        string
	Kubeconfig string // "" follows KUBECONFIG, then ~/.kube/config
	Context    string // overrides environments.<env>.context
	Namespace  string // overrides environments.<env>.namespace
}

// Environment is one environment of a platform, opened once per command.
// It resolves the images to deploy, reads what runs, renders the overlay
// once and hands the result to a Deployer: deploy, rollback, diff, render
// and history go through it, so the command line only wires flags and
// clients into it.
type Environment struct {
	Manifest *manifest.Manifest
	// Name is the environment; its overlay is <Root>/overlays/<Name>.
	Name string
	// Template, for a preview, is the environment it is made from: its
	// overlay is rendered and its post-deploy tests run.
	Template string
	// Root is the kustomize root, the folder holding base/ and overlays/.
	Root string
	// Settings are the environment's context and namespace, as the target
	// and then the manifest chose them; an empty Namespace leaves it to the
	// overlay and the kube context (see Namespace).
	Settings   manifest.Environment
	Kubeconfig string

	// Locked takes the versions of services from the lock file instead of
	// their checkouts and the registry.
	Locked bool
	// Images finds digests in the registry: needed to resolve images from
	// checkouts; when set, a rollback first checks its images are still there.
	Images DigestLookup
	// Commits says which commit a service's reference names in its
	// checkout; nil reads the checkout with gitsync.
	Commits CommitResolver
	// Ancestry says whether a service's commit is in the history of
	// another; nil reads the service's checkout with gitsync.
	Ancestry func(s *manifest.Service, ancestor, descendant string) (bool, error)
	// Sync, when set, brings checkouts to their references before their
	// commits are read (deploy --sync).
	Sync SyncFunc
	// Local takes these services (by name) from images built from working
	// folders (deploy --local) instead of from their commits.
	Local map[string]LocalFolder
	// Check, when set, runs on the final images of a deploy or rollback
	// before anything is applied or recorded; an error stops it.
	Check    Check
	Rollout  Rollout
	Progress *ui.Progress

	// Renderer builds overlays; nil renders with kustomize below Root.
	Renderer Renderer
	// Cluster is the connection to the environment's cluster; nil until a
	// command first needs it, then made from Settings and Kubeconfig.
	Cluster *kube.Cluster

	rendered  *render.Result // the last render, and the pins it was made with
	pins      []render.Image
	namespace string
	checked   bool // the namespace was found to be the environment's own
	// notPreview: no namespace of the environment was found to be a preview's.
	notPreview bool
}

// SyncFunc brings the checkouts of services to their references; done is
// called once their commits are read, so it may hold them until then.
type SyncFunc func(ctx context.Context, services []*manifest.Service) (done func(), err error)

// Renderer builds an environment's overlay with images pinned.
type Renderer interface {
	Render(env string, images []render.Image) (*render.Result, error)
}

// Overlays renders the overlays below a kustomize root with render.Render.
type Overlays string

var _ Renderer = Overlays("")

// Render calls render.Render.
func (root Overlays) Render(env string, images []render.Image) (*render.Result, error) {
	return render.Render(string(root), env, images)
}

// Open returns the environment t names in the platform m: one with an
// overlay, or a preview by its namespace (see OpenPreview). It asks nothing
// of a cluster or a registry.
func Open(m *manifest.Manifest, t Target) (*Environment, error) {
	e := &Environment{Manifest: m, Name: t.Env, Root: filepath.Join(m.Root, KustomizeDir), Kubeconfig: t.Kubeconfig}
	e.Settings, _ = m.Environment(t.Env)
	if t.Context != "" {
		e.Settings.Context = t.Context
	}
	if t.Namespace != "" {
		e.Settings.Namespace = t.Namespace
	}
	if known := render.Envs(e.Root); !slices.Contains(known, t.Env) {
		// A preview goes by its namespace, which its template's pattern makes.
		if tmpl, ok := m.PreviewTemplate(); ok && tmpl.Preview.Matches(t.Env) && t.Namespace == "" {
			return openPreview(m, tmpl, t, t.Env)
		}
		return nil, &render.UnknownEnvError{Env: t.Env, Dir: render.OverlayDir(e.Root, t.Env), Known: known}
	}
	return e, nil
}

// Render renders the overlay with the images of versions pinned. A command
// renders once: the same pins give back the same result.
func (e *Environment) Render(versions []Version) (*render.Result, error) {
	pins := make([]render.Image, len(versions))
	for i, v := range versions {
		pins[i] = v.Pin()
	}
	if e.rendered != nil && slices.Equal(e.pins, pins) {
		return e.rendered, nil
	}
	r, err := e.renderer().Render(e.Name, pins)
	if err != nil {
		return nil, err
	}
	e.rendered, e.pins = r, pins
	return r, nil
}

// layout is a render of the overlay, for what images do not change: which
// objects there are and their namespaces. It is the command's render when
// there was one, else the overlay without images.
func (e *Environment) layout() (*render.Result, error) {
	if e.rendered != nil {
		return e.rendered, nil
	}
	return e.Render(nil)
}

func (e *Environment) renderer() Renderer {
	if e.Renderer != nil {
		return e.Renderer
	}
	return Overlays(e.Root)
}

// connect reaches the environment's cluster, once.
func (e *Environment) connect(ctx context.Context) (*kube.Cluster, error) {
	if e.Cluster != nil {
		return e.Cluster, nil
	}
	cl, err := kube.Connect(ctx, kube.Options{Kubeconfig: e.Kubeconfig, Context: e.Settings.Context, Namespace: e.Settings.Namespace})
	if err != nil {
		return nil, err
	}
	e.Cluster = cl
	return cl, nil
}

// Namespace is where the environment's records live: chosen explicitly
// (Target or environments:), else the overlay's own namespace, else the
// kube context's, else "default". Only the last three need the cluster
// and a render.
func (e *Environment) Namespace(ctx context.Context) (string, error) {
	switch {
	case e.namespace != "":
		return e.namespace, nil
	case e.Settings.Namespace != "":
		e.namespace = e.Settings.Namespace
		return e.namespace, nil
	}
	r, err := e.layout()
	if err != nil {
		return "", err
	}
	cl, err := e.connect(ctx)
	if err != nil {
		return "", err
	}
	context := ""
	if cl.NamespaceExplicit {
		context = cl.Namespace
	}
	if OverlayNamespace(r.Objects) == "" && context != "" {
		e.namespace = context
	} else {
		e.namespace = ChooseNamespace("", r.Objects)
	}
	return e.namespace, nil
}

// deployer connects and finds the namespace, and returns the Deployer
// that works there.
func (e *Environment) deployer(ctx context.Context) (*Deployer, error) {
	cl, err := e.connect(ctx)
	if err != nil {
		return nil, err
	}
	ns, err := e.Namespace(ctx)
	if err != nil {
		return nil, err
	}
	d := &Deployer{Cluster: cl, Env: e.Name, Namespace: ns, Rollout: e.Rollout, Images: e.Images, Progress: e.Progress, Canary: e.Settings.Canary}
	if e.Check != nil {
		d.Check = e.named(e.Check)
	}
	return d, nil
}

// named gives check the manifest's image names of versions restored from
// release records, which do not keep them.
func (e *Environment) named(check Check) Check {
	return func(ctx context.Context, versions []Version) error {
		versions = slices.Clone(versions)
		for i, v := range versions {
			if v.ImageName != "" {
				continue
			}
			for _, s := range e.Manifest.Services {
				if s.Name == v.Name {
					versions[i].ImageName = s.Docker.Image
				}
			}
		}
		return check(ctx, versions)
	}
}

func (e *Environment) step(format string, args ...any) {
	if e.Progress != nil {
		e.Progress.Stepf(stepPrefix, format, args...)
	}
}

// testsEnv is the environment whose post-deploy tests e runs.
func (e *Environment) testsEnv() string {
	if e.Template != "" {
		return e.Template
	}
	return e.Name
}
