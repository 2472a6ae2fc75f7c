package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/redact"
	"github.com/x-platform/x-platform/internal/report"
)

// run is one command's work over its services: what the services learn
// once and share (builder images, checkouts), and the scheduler.
type run struct {
	*Pipeline
	// dry forbids side effects: Plan's run is dry.
	dry bool
	// live draws BuildKit's live display on a terminal: one build at a time.
	live bool

	builders  *builderImages
	checkouts sync.Map // AbsDir → *checkout, shared by services of one repository
}

func (p *Pipeline) newRun(dry bool) *run {
	r := &run{Pipeline: p, dry: dry}
	r.builders = newBuilderImages(r)
	return r
}

// step is the work done for one service, given its dependencies' results.
type step func(ctx context.Context, s *manifest.Service, deps map[string]report.ServiceResult) report.ServiceResult

// each runs fn for every service, at most Jobs at once, each only once the
// services it depends on succeeded; services without dependencies start
// in the order they are listed. A service waits for its dependencies
// outside the limit, so a waiting service holds no slot. Results keep the
// services' order. Once a service fails, services not yet started are
// skipped unless KeepGoing is set; a service whose dependency did not
// succeed is always skipped.
//
// Remotes are looked up apart from that bound: Build and the other
// commands that sync fetch every checkout ahead, network() at once, and
// Plan, whose steps are all look-ups, runs network() services at once.
func (r *run) each(ctx context.Context, services []*manifest.Service, fn step) []report.ServiceResult {
	jobs := max(r.Jobs, 1)
	if r.dry {
		jobs = max(jobs, r.network())
	} else {
		defer r.prefetch(ctx, services)()
	}
	results := make([]report.ServiceResult, len(services))
	index := make(map[string]int, len(services))
	done := make([]chan struct{}, len(services)) // closed once results[i] is in
	for i, s := range services {
		index[s.Name], done[i] = i, make(chan struct{})
	}
	var failed atomic.Bool
	stopped := func() string {
		switch {
		case ctx.Err() != nil:
			return ctx.Err().Error()
		case failed.Load() && !r.KeepGoing:
			return "another service failed (use --keep-going to build the rest)"
		}
		return ""
	}
	var slots errgroup.Group
	slots.SetLimit(jobs)
	start := func(i int, deps map[string]report.ServiceResult) {
		slots.Go(func() error {
			defer close(done[i])
			if why := stopped(); why != "" {
				results[i] = r.skipped(services[i], why)
				return nil
			}
			start := time.Now()
			results[i] = fn(ctx, services[i], deps)
			results[i].DurationMs = time.Since(start).Milliseconds()
			if results[i].Action == report.ActionFailed {
				failed.Store(true)
			}
			return nil
		})
	}
	var waiting sync.WaitGroup
	for i, s := range services {
		if !slices.ContainsFunc(s.Deps, func(d string) bool { _, ok := index[d]; return ok }) {
			start(i, map[string]report.ServiceResult{}) // waits here for a slot
			continue
		}
		waiting.Go(func() {
			deps, why := awaitDeps(s, index, done, results)
			if why == "" {
				why = stopped()
			}
			if why != "" {
				results[i] = r.skipped(s, why)
				close(done[i])
				return
			}
			start(i, deps)
		})
	}
	waiting.Wait()
	_ = slots.Wait() // every step returns nil: a failure is in its result
	return results
}

// awaitDeps waits until s's dependencies among services are finished and
// returns their results, or why s cannot run when one did not succeed.
// Dependencies outside services are taken as done.
func awaitDeps(s *manifest.Service, index map[string]int, done []chan struct{}, results []report.ServiceResult) (map[string]report.ServiceResult, string) {
	deps := map[string]report.ServiceResult{}
	for _, d := range s.Deps {
		j, ok := index[d]
		if !ok {
			continue
		}
		<-done[j]
		deps[d] = results[j]
		if a := deps[d].Action; a == report.ActionFailed || a == report.ActionSkipped {
			return nil, "dependency " + d + " did not succeed"
		}
	}
	return deps, ""
}

func newResult(s *manifest.Service) report.ServiceResult {
	return report.ServiceResult{Name: s.Name, Reference: s.Git.Reference}
}

func (r *run) fail(res report.ServiceResult, err error) report.ServiceResult {
	res.Action, res.Error = report.ActionFailed, err.Error()
	var u interface{ UsageError() bool }
	res.Usage = errors.As(err, &u) && u.UsageError()
	r.Progress.Donef(res.Name, false, "%v", err)
	return res
}

func (r *run) skipped(s *manifest.Service, why string) report.ServiceResult {
	res := newResult(s)
	res.Action, res.Error = report.ActionSkipped, "not started: "+why
	return res
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
func (r *run) sync(ctx context.Context, s *manifest.Service) (gitsync.Result, error) {
	v, loaded := r.checkouts.LoadOrStore(s.AbsDir, newCheckout())
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
		r.Progress.Debugf(s.Name, "syncing %s at %s", redact.URL(s.Git.Remote), s.Git.Reference)
		c.res, c.err = r.Git.Sync(ctx, gitsync.Request{
			Remote:    s.Git.URL,
			Dir:       s.AbsDir,
			Reference: s.Git.Reference,
			Depth:     s.Git.Depth,
			Force:     r.Force,
			BackupDir: filepath.Join(r.Manifest.Root, ".x-platform", "backups", filepath.Clean(s.Dir)),
			Fetched:   c.fetched,
			Notes:     r.notes(s),

			NoCheckout: s.Git.NoCheckout,
		})
		if c.err != nil {
			c.err = fmt.Errorf("syncing %s: %w", s.Dir, c.err)
			return
		}
		for _, line := range c.res.Saved {
			r.Progress.Stepf(s.Name, "saved local work: %s", line)
		}
	})
	return c.res, c.err
}

// notes shows what syncing a service's checkout has to say.
func (r *run) notes(s *manifest.Service) func(string) {
	return func(msg string) { r.Progress.Stepf(s.Name, "%s", msg) }
}
