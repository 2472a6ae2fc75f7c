package deploy

import (
	"context"
	"errors"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/manifest"
)

// Resolve finds the versions of services: from the lock file when Locked,
// else the commit each one's reference names in its checkout (synced
// first when Sync is set) and the digest of that image in the registry.
// It asks no cluster.
//
// Services of e.Local are taken from their working folders' images instead
// (see resolveLocal).
func (e *Environment) Resolve(ctx context.Context, services []*manifest.Service) ([]Version, error) {
	local, rest, err := e.resolveLocal(ctx, services)
	if err != nil {
		return nil, err
	}
	versions, err := e.resolveCommitted(ctx, rest)
	if len(local) == 0 {
		return versions, err
	}
	return inOrder(services, local, versions), err
}

// resolveCommitted resolves the versions of services from their commits.
func (e *Environment) resolveCommitted(ctx context.Context, services []*manifest.Service) ([]Version, error) {
	if len(services) == 0 {
		return nil, nil
	}
	if e.Locked {
		return e.locked(services)
	}
	if e.Images == nil {
		return nil, errors.New("resolving images: no registry to ask")
	}
	if e.Sync != nil {
		done, err := e.Sync(ctx, services)
		if err != nil {
			return nil, err
		}
		defer done()
	}
	commits := e.Commits
	if commits == nil {
		commits = checkoutCommit
	}
	return ResolveImages(ctx, e.Manifest, services, commits, e.Images)
}

func checkoutCommit(s *manifest.Service) (string, error) {
	return gitsync.Resolve(s.AbsDir, s.Git.Reference)
}

// locked takes the versions of services from the lock file, which must
// agree with the manifest.
func (e *Environment) locked(services []*manifest.Service) ([]Version, error) {
	path := lock.Path(e.Manifest)
	f, err := lock.Read(path)
	if errors.Is(err, lock.ErrNoLock) {
		return nil, &ConfigError{err}
	}
	if err != nil {
		return nil, err
	}
	if err := f.Check(path, e.Manifest.Registry, services); err != nil {
		return nil, &ConfigError{err}
	}
	out := make([]Version, len(services))
	for i, s := range services {
		l := f.Services[s.Name]
		out[i] = Version{ImageName: s.Docker.Image, Service: release.Service{
			Name: s.Name, Commit: l.Commit, Reference: l.Reference, Tag: l.Commit, Image: l.Image, Digest: l.Digest,
		}}
	}
	return out, nil
}

// Versions is what a deploy of selected runs: the versions Resolve finds
// for them, and for every other service the version the environment runs
// now (resolved as well when it was never deployed). Deploying only some
// services reads the cluster; deploying all does not.
func (e *Environment) Versions(ctx context.Context, selected []*manifest.Service) ([]Version, error) {
	// Images first: a missing one stops a deploy before the cluster is asked anything.
	versions, err := e.Resolve(ctx, selected)
	if err != nil || len(selected) == len(e.Manifest.Services) {
		return versions, err
	}
	if err := e.checkOwnNamespace(); err != nil {
		return nil, err
	}
	cur, err := e.Current(ctx)
	if err != nil {
		return nil, err
	}
	chosen := map[string]bool{}
	for _, v := range versions {
		chosen[v.Name] = true
	}
	var rest []*manifest.Service
	for _, s := range e.Manifest.Services {
		if chosen[s.Name] {
			continue
		}
		if cur != nil {
			if rs := cur.Service(s.Name); rs != nil {
				versions = append(versions, Version{Service: *rs, ImageName: s.Docker.Image})
				continue
			}
		}
		rest = append(rest, s)
	}
	more, err := e.Resolve(ctx, rest)
	if err != nil {
		return nil, err
	}
	versions = append(versions, more...)
	return versions, e.refuseLocal(versions)
}

// Current is the release the environment runs now, or nil.
func (e *Environment) Current(ctx context.Context) (*release.Record, error) {
	d, err := e.deployer(ctx)
	if err != nil {
		return nil, err
	}
	return d.Current(ctx)
}
