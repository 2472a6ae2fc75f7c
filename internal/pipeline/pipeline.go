package pipeline

import (
	"context"
	"io"

	"github.com/tonistiigi/fsutil"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/docker"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/ui"
)

// Source brings checkouts to a reference and reads their trees.
type Source interface {
	Remote
	Trees
}

// Remote is what the pipeline asks of git remotes. Each call is expected
// to carry the run's retry and deadline policy, as gitsync.Client does.
type Remote interface {
	Fetch(ctx context.Context, req gitsync.Request) (bool, error)
	Sync(ctx context.Context, req gitsync.Request) (gitsync.Result, error)
	Look(ctx context.Context, remote string, pick func(refs map[string]string) []string) (*gitsync.Looked, error)
}

// Trees reads the trees of commits in checkouts.
type Trees interface {
	TreeHash(dir, commit, sub string) (string, error)
	TreeFS(dir, commit, sub string) (fsutil.FS, error)
	TreeFile(dir, commit, sub, name string) ([]byte, error)
}

// Git is the Source backed by go-git checkouts; its Client reaches the
// remotes.
type Git struct {
	gitsync.Client
}

var _ Source = Git{}

// TreeFS calls gitsync.TreeFS.
func (Git) TreeFS(dir, commit, sub string) (fsutil.FS, error) {
	return gitsync.TreeFS(dir, commit, sub, gitsync.TreeFSOptions{})
}

// TreeFile calls gitsync.TreeFile.
func (Git) TreeFile(dir, commit, sub, name string) ([]byte, error) {
	return gitsync.TreeFile(dir, commit, sub, name)
}

// TreeHash calls gitsync.TreeHash.
func (Git) TreeHash(dir, commit, sub string) (string, error) {
	return gitsync.TreeHash(dir, commit, sub)
}

// Images is what the pipeline asks of the local engine about images.
type Images interface {
	Inspect(ctx context.Context, ref string) (docker.ImageInfo, error)
	Pull(ctx context.Context, ref string, log io.Writer) error
	Push(ctx context.Context, ref string, log io.Writer) (digest string, err error)
	Tag(ctx context.Context, src, dst string) error
}

// Builder builds one image on BuildKit.
type Builder interface {
	Build(ctx context.Context, spec *buildkit.Spec) (buildkit.Result, error)
}

// Registry answers for images in the registry without pulling them.
type Registry interface {
	Digest(ctx context.Context, ref image.Ref) (string, error)
	Config(ctx context.Context, ref image.Ref) (image.Config, error)
	Tag(ctx context.Context, src image.Ref, newTag string) error
}

// Pipeline holds the clients and options of a command, wired once; what
// one run learns and shares lives in its run.
type Pipeline struct {
	Git      Source
	Images   Images
	Builder  Builder
	Registry Registry
	Progress *ui.Progress

	Manifest *manifest.Manifest
	// RegistryPrefix is the effective registry (the manifest's, or XP_REGISTRY).
	RegistryPrefix string
	// Jobs bounds how many services are worked on at once.
	Jobs int
	// Network bounds how many remotes are fetched or listed at once,
	// apart from Jobs; 0 means DefaultNetwork.
	Network int
	// Force saves local work aside instead of refusing to move a checkout.
	Force bool
	// KeepGoing keeps scheduling services after one failed.
	KeepGoing bool
	// User is the uid:gid builder scripts run as.
	User string
	// Secrets are given to every service's build, besides its own.
	Secrets map[string][]byte
	// PlainHTTP says whether an image's registry is spoken to over plain
	// HTTP (loopback, or listed as insecure).
	PlainHTTP func(ref image.Ref) bool
	// Platforms, when set, replace every service's docker.platforms.
	Platforms []string
	// RemoteBuilds says the builds run on BuildKit daemons that take images
	// from registries only, and push what they build.
	RemoteBuilds bool
	// Pull brings a commit's image that is only in the registry into the
	// local engine (pulled); without it, knowing the image is there is
	// enough (found), as nothing of a run reads it from the engine.
	Pull bool
	// Signer, when set, signs every image once it is final in the registry.
	Signer Signer
	// Gate, when set, looks at every image this run builds or reuses from
	// another commit once it is in the registry under its key's tag, before
	// the commit's and the branch's tags are moved to it; see gate.go.
	Gate Gate
	// Local builds these services (by name) from working folders as they
	// are, instead of from their checkouts (see folderJob).
	Local map[string]string
}

// Build syncs and builds (or reuses) every service given; services must come
// with their dependencies (plan.WithDeps).
func (p *Pipeline) Build(ctx context.Context, services []*manifest.Service) []report.ServiceResult {
	r := p.newRun(false)
	r.live = len(services) == 1 || p.Jobs == 1
	return r.each(ctx, services, r.buildOne)
}

// SyncOnly brings every checkout to its reference and nothing more.
func (p *Pipeline) SyncOnly(ctx context.Context, services []*manifest.Service) []report.ServiceResult {
	r := p.newRun(false)
	return r.each(ctx, services, func(ctx context.Context, s *manifest.Service, _ map[string]report.ServiceResult) report.ServiceResult {
		j, err := r.checkoutJob(ctx, s)
		if err != nil {
			return r.fail(j.res, err)
		}
		j.res.Action = report.ActionSynced
		r.Progress.Donef(s.Name, true, "at %s", j.commit)
		return j.res
	})
}

// platforms are the platforms s is built for: --platform, else its own.
func (p *Pipeline) platforms(s *manifest.Service) []string {
	if len(p.Platforms) > 0 {
		return p.Platforms
	}
	return s.Docker.Platforms
}
