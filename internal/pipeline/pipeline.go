package pipeline

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/singleflight"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/docker"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/redact"
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
	Digest(ctx context.Context, ref string) (string, error)
	Config(ctx context.Context, ref string) (image.Config, error)
	Tag(ctx context.Context, src, newTag string) error
}

// Pipeline holds the clients and options of one run.
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
	PlainHTTP func(ref string) bool
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
	// Local builds these services (by name) from working folders as they
	// are, instead of from their checkouts (see buildLocal).
	Local map[string]string

	// dry forbids side effects: Plan sets it.
	dry bool
	// live draws BuildKit's live display on a terminal: one build at a time.
	live bool

	// Per run: what is learnt once and shared by the run's services.
	builders   singleflight.Group
	builderIDs *sync.Map // builder image → ID
	checkouts  *sync.Map // AbsDir → *checkout, shared by services of one repository
}

// step is the work done for one service, given its dependencies' results.
type step func(ctx context.Context, s *manifest.Service, deps map[string]ui.ServiceResult) ui.ServiceResult

// Build syncs and builds (or reuses) every service given; services must come
// with their dependencies (plan.WithDeps).
func (p *Pipeline) Build(ctx context.Context, services []*manifest.Service) []ui.ServiceResult {
	p.live = len(services) == 1 || p.Jobs == 1
	return p.each(ctx, services, p.buildOne)
}

// SyncOnly brings every checkout to its reference and nothing more.
func (p *Pipeline) SyncOnly(ctx context.Context, services []*manifest.Service) []ui.ServiceResult {
	return p.each(ctx, services, func(ctx context.Context, s *manifest.Service, _ map[string]ui.ServiceResult) ui.ServiceResult {
		r := p.newResult(s)
		res, err := p.sync(ctx, s)
		if err != nil {
			return p.fail(r, err)
		}
		r.Commit, r.Saved, r.Action = res.Commit, res.Saved, ui.ActionSynced
		p.Progress.Donef(s.Name, true, "at %s", res.Commit)
		return r
	})
}

// each runs fn for every service, at most Jobs at once, each only once the
// services it depends on succeeded; among services ready to start, the one
// listed first starts first. Results keep the services' order. Once a
// service fails, services not yet started are skipped unless KeepGoing is
// set; a service whose dependency did not succeed is always skipped.
//
// Remotes are looked up apart from that bound: Build and the other
// commands that sync fetch every checkout ahead, network() at once, and
// Plan, whose steps are all look-ups, runs network() services at once.
func (p *Pipeline) each(ctx context.Context, services []*manifest.Service, fn step) []ui.ServiceResult {
	p.builderIDs, p.checkouts = &sync.Map{}, &sync.Map{}
	jobs := max(p.Jobs, 1)
	if p.dry {
		jobs = max(jobs, p.network())
	} else {
		defer p.prefetch(ctx, services)()
	}
	results := make([]ui.ServiceResult, len(services))
	index := map[string]int{}
	for i, s := range services {
		index[s.Name] = i
	}
	state := make([]int, len(services)) // 0 waiting, 1 running, 2 finished
	finished := make(chan int)
	running, left, failed := 0, len(services), false
	for left > 0 {
		for i, s := range services {
			if state[i] != 0 || running >= jobs && !p.settled(ctx, failed) {
				continue
			}
			deps, why, ready := p.depsOf(s, index, state, results)
			switch {
			case !ready:
				continue
			case why != "":
				results[i] = p.skipped(s, why)
			case ctx.Err() != nil:
				results[i] = p.skipped(s, ctx.Err().Error())
			case failed && !p.KeepGoing:
				results[i] = p.skipped(s, "another service failed (use --keep-going to build the rest)")
			default:
				state[i], running = 1, running+1
				go func() {
					start := time.Now()
					results[i] = fn(ctx, s, deps)
					results[i].DurationMs = time.Since(start).Milliseconds()
					finished <- i
				}()
				continue
			}
			state[i], left = 2, left-1
		}
		if running == 0 {
			continue
		}
		i := <-finished
		state[i], running, left = 2, running-1, left-1
		if results[i].Action == ui.ActionFailed {
			failed = true
		}
	}
	return results
}

// settled says whether services that are waiting will be skipped rather
// than run, so they need no free slot.
func (p *Pipeline) settled(ctx context.Context, failed bool) bool {
	return ctx.Err() != nil || failed && !p.KeepGoing
}

// depsOf tells whether all of s's dependencies finished, their results, and
// why s cannot run when one of them did not succeed.
func (p *Pipeline) depsOf(s *manifest.Service, index map[string]int, state []int, results []ui.ServiceResult) (map[string]ui.ServiceResult, string, bool) {
	deps := map[string]ui.ServiceResult{}
	for _, d := range s.Deps {
		j, ok := index[d]
		if !ok {
			continue
		}
		if state[j] != 2 {
			return nil, "", false
		}
		deps[d] = results[j]
		if a := results[j].Action; a == ui.ActionFailed || a == ui.ActionSkipped {
			return nil, "dependency " + d + " did not succeed", true
		}
	}
	return deps, "", true
}

func (p *Pipeline) newResult(s *manifest.Service) ui.ServiceResult {
	return ui.ServiceResult{Name: s.Name, Reference: s.Git.Reference}
}

func (p *Pipeline) fail(r ui.ServiceResult, err error) ui.ServiceResult {
	r.Action, r.Error = ui.ActionFailed, err.Error()
	p.Progress.Donef(r.Name, false, "%v", err)
	return r
}

func (p *Pipeline) skipped(s *manifest.Service, why string) ui.ServiceResult {
	r := p.newResult(s)
	r.Action, r.Error = ui.ActionSkipped, "not started: "+why
	return r
}

// checkout is one fetch and one sync of a folder that several services may
// share.
type checkout struct {
	fetchDone chan struct{} // closed once prefetch is done with the folder
	fetched   bool          // prefetch brought an existing checkout up to date
	fetchErr  error

	once sync.Once
	res  gitsync.Result
	err  error
}

func newCheckout() *checkout {
	return &checkout{fetchDone: make(chan struct{})}
}

// sync brings the service's checkout to its reference once per run, however
// many services of one repository share it.
func (p *Pipeline) sync(ctx context.Context, s *manifest.Service) (gitsync.Result, error) {
	v, loaded := p.checkouts.LoadOrStore(s.AbsDir, newCheckout())
	c := v.(*checkout)
	if !loaded {
		close(c.fetchDone) // no prefetch for this folder: Sync fetches
	}
	c.once.Do(func() {
		select {
		case <-c.fetchDone:
		case <-ctx.Done():
			c.err = ctx.Err()
			return
		}
		if c.fetchErr != nil {
			c.err = fmt.Errorf("syncing %s: %w", s.Dir, c.fetchErr)
			return
		}
		p.Progress.Debugf(s.Name, "syncing %s at %s", redact.URL(s.Git.Remote), s.Git.Reference)
		c.res, c.err = p.Git.Sync(ctx, gitsync.Request{
			Remote:    s.Git.URL,
			Dir:       s.AbsDir,
			Reference: s.Git.Reference,
			Depth:     s.Git.Depth,
			Force:     p.Force,
			BackupDir: p.backupDir(s),
			Fetched:   c.fetched,
			Notes:     p.notes(s),
		})
		if c.err != nil {
			c.err = fmt.Errorf("syncing %s: %w", s.Dir, c.err)
			return
		}
		for _, line := range c.res.Saved {
			p.Progress.Stepf(s.Name, "saved local work: %s", line)
		}
	})
	return c.res, c.err
}

// notes shows what syncing a service's checkout has to say.
func (p *Pipeline) notes(s *manifest.Service) func(string) {
	return func(msg string) { p.Progress.Stepf(s.Name, "%s", msg) }
}

func (p *Pipeline) backupDir(s *manifest.Service) string {
	return filepath.Join(p.Manifest.Root, ".x-platform", "backups", filepath.Clean(s.Dir))
}
