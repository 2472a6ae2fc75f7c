package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/flock"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/plan"
)

// KustomizeDir is where, next to the manifest, the bases and overlays live.
const KustomizeDir = "k8s"

func envFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "env", Aliases: []string{"e"}, Usage: "environment: the overlay " + KustomizeDir + "/overlays/`ENV`"},
		&cli.StringFlag{Name: "context", Usage: "kubeconfig context (default: the environment's in " + manifest.FileName + ", else the current one)"},
		&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Usage: "namespace for release records and objects that name none (default: the environment's, the context's, or the overlay's)"},
		&cli.StringFlag{Name: "kubeconfig", Usage: "kubeconfig `file` (default: $KUBECONFIG, then ~/.kube/config)"},
	}
}

// target is the environment a deploy command works on.
type target struct {
	m    *manifest.Manifest
	env  manifest.Environment
	root string // the kustomize root
}

func loadTarget(c *cli.Context, command string) (*target, error) {
	if c.NArg() > 0 {
		return nil, usageError{fmt.Errorf("%s takes no arguments (got %q)", command, c.Args().Slice())}
	}
	name := c.String("env")
	if name == "" {
		return nil, usageError{fmt.Errorf("%s needs --env, the name of an overlay in %s/overlays", command, KustomizeDir)}
	}
	m, err := loadManifest(c)
	if err != nil {
		return nil, err
	}
	t := &target{m: m, root: filepath.Join(m.Root, KustomizeDir)}
	t.env, _ = m.Environment(name)
	if c.String("context") != "" {
		t.env.Context = c.String("context")
	}
	if c.String("namespace") != "" {
		t.env.Namespace = c.String("namespace")
	}
	if !slices.Contains(render.Envs(t.root), name) {
		return nil, usageError{&render.UnknownEnvError{Env: name, Dir: render.OverlayDir(t.root, name), Known: render.Envs(t.root)}}
	}
	return t, nil
}

// connect reaches the environment's cluster.
func (t *target) connect(c *cli.Context) (*kube.Cluster, error) {
	cl, err := kube.Connect(c.Context, kube.Options{Kubeconfig: c.String("kubeconfig"), Context: t.env.Context, Namespace: t.env.Namespace})
	if err != nil {
		return nil, deployError(err)
	}
	return cl, nil
}

// namespace is where the environment's records live: chosen explicitly
// (--namespace or environments:), else the overlay's own namespace, else the
// kubeconfig context's.
func (t *target) namespace(cl *kube.Cluster, r *render.Result) string {
	if t.env.Namespace != "" {
		return t.env.Namespace
	}
	context := ""
	if cl != nil && cl.NamespaceExplicit {
		context = cl.Namespace
	}
	if deploy.OverlayNamespace(r.Objects) == "" && context != "" {
		return context
	}
	return deploy.ChooseNamespace("", r.Objects)
}

// resolve finds the images of services: from the lock with --locked, else
// from their checkouts (synced first when asked) and the registry.
func (t *target) resolve(c *cli.Context, services []*manifest.Service) ([]deploy.Version, error) {
	if c.Bool("locked") {
		return t.locked(services)
	}
	if c.Bool("sync") {
		unlock, err := lockFolders(c, t.m, flock.Shared, services)
		if err != nil {
			return nil, err
		}
		defer unlock()
		if err := syncCheckouts(c, services); err != nil {
			return nil, err
		}
	}
	commits := func(s *manifest.Service) (string, error) { return gitsync.Resolve(s.AbsDir, s.Git.Reference) }
	reg, err := newRegistry(t.m)
	if err != nil {
		return nil, err
	}
	return deploy.ResolveImages(c.Context, t.m, services, commits, reg)
}

func syncCheckouts(c *cli.Context, services []*manifest.Service) error {
	done := map[string]bool{}
	p := progress(c)
	for _, s := range services {
		if done[s.AbsDir] {
			continue
		}
		done[s.AbsDir] = true
		res, err := gitsync.Sync(c.Context, gitsync.Request{Remote: s.Git.URL, Dir: s.AbsDir, Reference: s.Git.Reference})
		if err != nil {
			return fmt.Errorf("syncing %s: %w", s.Name, err)
		}
		p.Stepf(s.Name, "synced %s at %s", s.Git.Reference, res.Commit)
	}
	return nil
}

// selectServices returns the services --services names, all by default.
func (t *target) selectServices(c *cli.Context) ([]*manifest.Service, error) {
	return plan.Select(t.m, c.StringSlice("services"))
}

// pins turns versions into the image pins of a render.
func pins(versions []deploy.Version) []render.Image {
	out := make([]render.Image, len(versions))
	for i, v := range versions {
		out[i] = v.Pin()
	}
	return out
}

// deployError gives configuration problems exit code 2.
func deployError(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	if deploy.IsConfigError(err) {
		return usageError{err}
	}
	return err
}

// locked takes the versions of services from x-platform.lock, which must
// agree with the manifest.
func (t *target) locked(services []*manifest.Service) ([]deploy.Version, error) {
	path := lock.Path(t.m)
	f, err := lock.Read(path)
	if errors.Is(err, lock.ErrNoLock) {
		return nil, usageError{err}
	}
	if err != nil {
		return nil, err
	}
	if err := f.Check(path, t.m.Registry, services); err != nil {
		return nil, usageError{err}
	}
	out := make([]deploy.Version, len(services))
	for i, s := range services {
		e := f.Services[s.Name]
		out[i] = deploy.Version{ImageName: s.Docker.Image, Service: release.Service{
			Name: s.Name, Commit: e.Commit, Reference: e.Reference, Image: e.Image, Digest: e.Digest,
		}}
	}
	return out, nil
}

// rendered resolves every service's image and renders the overlay with them.
func (t *target) rendered(c *cli.Context) (*render.Result, error) {
	versions, err := t.resolve(c, t.m.Services)
	if err != nil {
		return nil, err
	}
	r, err := render.Render(t.root, t.env.Name, pins(versions))
	if err != nil {
		return nil, deployError(err)
	}
	return r, nil
}
