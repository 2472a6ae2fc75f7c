package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/report"
)

// gatedFetch holds every fetch until want of them are in flight at once,
// which only happens when fetches do not wait for the CPU-bound slots.
type gatedFetch struct {
	*fake
	want    int
	mu      sync.Mutex
	running int
	peak    int
	all     chan struct{}
	fail    map[string]error // dir → error
	synced  map[string]bool  // dir → Sync was told it was fetched
}

func (g *gatedFetch) Fetch(ctx context.Context, req gitsync.Request) (bool, error) {
	g.mu.Lock()
	g.running++
	g.peak = max(g.peak, g.running)
	if g.running == g.want {
		close(g.all)
	}
	g.mu.Unlock()
	defer func() { g.mu.Lock(); g.running--; g.mu.Unlock() }()
	select {
	case <-g.all:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	return true, g.fail[req.Dir]
}

func (g *gatedFetch) Sync(ctx context.Context, req gitsync.Request) (gitsync.Result, error) {
	g.mu.Lock()
	g.synced[req.Dir] = req.Fetched
	g.mu.Unlock()
	return g.fake.Sync(ctx, req)
}

func TestRemotesAreFetchedApartFromJobs(t *testing.T) {
	const n = 12
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("svc%02d", i)
	}
	f := newFake()
	p, svcs := testPipeline(t, f, nil, names...)
	g := &gatedFetch{fake: f, want: n, all: make(chan struct{}), fail: map[string]error{}, synced: map[string]bool{}}
	g.fail[svcs[3].AbsDir] = errors.New("connection refused")
	p.Git, p.Jobs, p.Network, p.KeepGoing = g, 1, n, true

	results := byName(p.Build(context.Background(), svcs))
	if g.peak != n {
		t.Fatalf("at most %d fetches ran at once with --jobs 1, want %d", g.peak, n)
	}
	for i, s := range svcs {
		r := results[s.Name]
		if i == 3 {
			if r.Action != report.ActionFailed || !strings.Contains(r.Error, "connection refused") || !strings.Contains(r.Error, "syncing src/svc03") {
				t.Errorf("service whose fetch failed = %+v", r)
			}
			continue
		}
		if r.Action != report.ActionBuilt || !g.synced[s.AbsDir] {
			t.Errorf("%s = %+v, told fetched %v", s.Name, r, g.synced[s.AbsDir])
		}
	}
}

func TestNetworkBound(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "a", "b", "c", "d", "e")
	// want 0 is never reached, and all is already closed: only the bound limits.
	g := &gatedFetch{fake: f, want: 0, all: make(chan struct{}), fail: map[string]error{}, synced: map[string]bool{}}
	close(g.all)
	p.Git, p.Network = g, 2
	p.Build(context.Background(), svcs)
	if g.peak > 2 {
		t.Fatalf("%d fetches ran at once, want at most Network = 2", g.peak)
	}
	if got := (&Pipeline{}).network(); got != DefaultNetwork {
		t.Errorf("network() of a Pipeline without Network = %d, want %d", got, DefaultNetwork)
	}
}
