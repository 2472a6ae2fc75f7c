package cleanup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/retention"
)

// Registry is what a cleanup asks of the registry; *image.Registry has it.
type Registry interface {
	Inventory(ctx context.Context, repos []image.Ref, concurrency int) (map[image.Ref][]image.Stored, error)
	Tags(ctx context.Context, repo image.Ref) ([]string, error)
	Digests(ctx context.Context, repo image.Ref, tags []string, concurrency int) (map[string]string, error)
	DeleteTag(ctx context.Context, repo image.Ref, tag string) error
	DeleteManifest(ctx context.Context, repo image.Ref, digest string) error
}

var _ Registry = (*image.Registry)(nil)

// Options say what to clean up and with which parts.
type Options struct {
	Manifest *manifest.Manifest
	// Services are the services whose repositories are cleaned up; the
	// others' builder images and releases still count.
	Services []*manifest.Service
	Registry Registry
	Connect  Connect
	Fetch    Fetcher
	// AllTags deletes images whatever their tags; otherwise an image with a
	// tag no build writes (latest, a hotfix pushed by hand) is kept.
	AllTags bool
	// SkipUnreachable plans without the releases of environments whose
	// cluster cannot be read, instead of refusing every delete.
	SkipUnreachable bool
	// PartialLockHistory plans with the lock history there is when the
	// platform repository's is shallower than the rule asks, instead of
	// refusing every delete.
	PartialLockHistory bool
	// Concurrency bounds the registry requests in flight; 16 when 0.
	Concurrency int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Log receives progress lines; nil is silent.
	Log func(format string, args ...any)
}

func (o *Options) log(format string, args ...any) {
	if o.Log != nil {
		o.Log(format, args...)
	}
}

// Unreachable is an environment whose releases could not be read.
type Unreachable struct {
	Env    string
	Reason string
}

// Result is a plan with what it was made from.
type Result struct {
	Plan        retention.Plan
	Registry    string
	Unreachable []Unreachable
	// Notes say what the plan could not take into account.
	Notes []string

	envs map[string]Environment
	// configErr is the first environment that failed for its kubeconfig
	// rather than its cluster.
	configErr error
}

// Plan gathers everything the retention rules need, at once, and plans.
// Nothing is deleted.
func Plan(ctx context.Context, o Options) (*Result, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	m := o.Manifest
	rules := m.Cleanup
	in := retention.Input{
		Rules: retention.Rules{
			ReleasesPerEnvironment: rules.ReleasesPerEnvironment, LockCommits: rules.LockCommits,
			BranchDays: rules.BranchDays, ImagesPerBranch: rules.ImagesPerBranch,
			Recent: time.Duration(rules.RecentHours) * time.Hour, Keep: rules.Keep,
			AllTags: o.AllTags,
		},
		Refused: map[string]string{},
	}
	res := &Result{Registry: m.Registry, envs: map[string]Environment{}}
	var mu sync.Mutex
	note := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		res.Notes = append(res.Notes, fmt.Sprintf(format, args...))
	}
	refuse := func(service, why string) {
		mu.Lock()
		defer mu.Unlock()
		if in.Refused[service] != "" {
			why = in.Refused[service] + "; " + why
		}
		in.Refused[service] = why
	}

	g, gctx := errgroup.WithContext(ctx)
	var envs *read
	g.Go(func() error {
		var err error
		envs, err = o.environments(gctx, res, &mu)
		return err
	})
	g.Go(func() error {
		o.log("reading %s in the platform repository's history", "x-platform.lock")
		h, gaps, err := lockHistories(m.Root, m.Registry, rules.LockCommits)
		if errors.Is(err, errNoRepository) {
			note("%s is in no git repository: only its x-platform.lock on disk was read", m.Root)
			err = nil
		}
		in.Locks = h
		o.lockGaps(m.Root, rules.LockCommits, gaps, note, refuse)
		return err
	})
	g.Go(func() error {
		in.Sources = o.sources(gctx, now().AddDate(0, 0, -rules.BranchDays), refuse)
		return nil
	})
	g.Go(func() error {
		repos, err := o.inventory(gctx)
		in.Repositories = repos
		return err
	})
	err := g.Wait()
	if res.configErr != nil && !o.SkipUnreachable {
		// A kubeconfig to fix, not a cluster to wait for: said first.
		return nil, res.configErr
	}
	if err != nil {
		return nil, err
	}
	for _, s := range m.Services {
		if ref, ok := refIn(m.Registry, image.Cut(s.DockerBuilder.Image), ""); ok {
			in.Builders = append(in.Builders, ref)
		}
	}
	for _, u := range res.Unreachable {
		if o.SkipUnreachable {
			note("environment %s was skipped (--skip-unreachable): %s; images only it runs may be deleted", u.Env, u.Reason)
			continue
		}
		for _, s := range o.Services {
			refuse(s.Name, fmt.Sprintf("environment %s could not be read (%s); pass --skip-unreachable to delete without its releases", u.Env, u.Reason))
		}
	}
	in.Pins = o.pins(in.Refused, note)
	if n := indexNote(in.Repositories); n != "" {
		note("%s", n)
	}
	in.Releases, in.Running = envs.releases, envs.running
	res.Notes = append(res.Notes, envs.notes...)
	for _, env := range envs.empty {
		why := fmt.Sprintf("environment %s has no release record in any namespace of its cluster, so what it ran before is unknown", env)
		if o.SkipUnreachable {
			note("%s; it was skipped (--skip-unreachable): only what it runs now is kept", why)
			continue
		}
		for _, s := range o.Services {
			refuse(s.Name, why+"; deploy it, or pass --skip-unreachable if it was never deployed from this manifest")
		}
	}
	for _, s := range o.Services {
		if where := envs.foreign[s.Name]; len(where) > 0 {
			refuse(s.Name, fmt.Sprintf("%s, outside registry %s, so its images cannot be told apart by name; run cleanup with the registry deploys use (registry: in %s, or XP_REGISTRY)",
				strings.Join(where, "; "), m.Registry, manifest.FileName))
		}
	}
	if len(environments(m)) == 0 {
		note("the manifest lists no environments and %s has no overlays: no release records were read", deploy.KustomizeDir)
	}
	in.Now = now()
	res.Plan = retention.Make(in)
	return res, nil
}

// inventory lists the selected services' repositories, with up to
// o.Concurrency requests in flight over all of them.
func (o *Options) inventory(ctx context.Context) ([]retention.Repository, error) {
	var repos []image.Ref
	for _, s := range o.Services {
		repos = append(repos, repository(o.Manifest.Registry, s.Docker.Image))
	}
	o.log("listing the images of %d repositories", len(repos))
	all, err := o.Registry.Inventory(ctx, repos, o.Concurrency)
	if err != nil {
		return nil, fmt.Errorf("listing the registry's images: %w", err)
	}
	var out []retention.Repository
	for i, s := range o.Services {
		r := retention.Repository{Service: s.Name, Name: s.Docker.Image}
		for _, st := range all[repos[i]] {
			r.Images = append(r.Images, storedImage(o.Manifest, st))
		}
		out = append(out, r)
	}
	return out, nil
}
