package pipeline

import (
	"context"
	"sync"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/manifest"
)

// DefaultNetwork is how many remotes are looked up at once unless Network
// says otherwise. A look-up mostly waits on the network and the server, so
// it takes no CPU slot (Jobs).
const DefaultNetwork = 16

func (p *Pipeline) network() int {
	if p.Network > 0 {
		return p.Network
	}
	return DefaultNetwork
}

// prefetch fetches every existing checkout of services from its remote,
// at most network() at once, while services are scheduled by Jobs: a
// service's sync then waits only for its own fetch. Fetching moves only
// remote-tracking refs, so a service later skipped loses nothing. The
// returned function cancels what is still running and waits for it.
func (r *run) prefetch(ctx context.Context, services []*manifest.Service) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	sem := make(chan struct{}, r.network())
	var wg sync.WaitGroup
	for _, s := range services {
		if _, ok := r.Local[s.Name]; ok {
			continue // built from a working folder: its checkout is not fetched
		}
		v, loaded := r.checkouts.LoadOrStore(s.AbsDir, newCheckout())
		if loaded {
			continue // one fetch per folder, however many services share it
		}
		c := v.(*checkout)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(c.fetchDone)
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				c.fetchErr = ctx.Err()
				return
			}
			defer func() { <-sem }()
			c.fetched, c.fetchErr = r.Git.Fetch(ctx, gitsync.Request{Remote: s.Git.URL, Dir: s.AbsDir, Reference: s.Git.Reference, Depth: s.Git.Depth, Notes: r.notes(s)})
		}()
	}
	return func() {
		cancel()
		wg.Wait()
	}
}
