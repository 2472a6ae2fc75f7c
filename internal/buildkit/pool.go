package buildkit

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"sync"
	"time"
)

// probeTimeout bounds the check that a daemon answers.
const probeTimeout = 10 * time.Second

// Pool spreads builds over daemons. A service goes to the same daemon run
// after run (rendezvous hashing on its name), so it finds its cache there,
// unless that daemon is at its bound while another has room. A daemon that
// stops answering is left for the rest of the run and its builds move on.
type Pool struct {
	members []*member
	// Notify tells the user where a build moved and why; nil says nothing.
	Notify func(service, msg string)

	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever a slot frees or a daemon goes down
}

type member struct {
	d    *Daemon
	used int
	down error
}

// NewPool makes a pool of daemons.
func NewPool(daemons ...*Daemon) *Pool {
	p := &Pool{changed: make(chan struct{})}
	for _, d := range daemons {
		p.members = append(p.members, &member{d: d})
	}
	return p
}

// Jobs is how many builds the pool runs at once.
func (p *Pool) Jobs() int {
	n := 0
	for _, m := range p.members {
		n += m.d.Endpoint.jobs()
	}
	return n
}

// Build runs spec on a daemon of the pool, moving to another when the one
// it runs on stops answering.
func (p *Pool) Build(ctx context.Context, spec *Spec) (Result, error) {
	for {
		m, err := p.acquire(ctx, spec.Name)
		if err != nil {
			return Result{}, err
		}
		res, err := p.run(ctx, m, spec)
		if err == nil || ctx.Err() != nil || !p.lost(ctx, m, spec.Name, err) {
			return res, err
		}
	}
}

// Daemon is the daemon a service prefers while every daemon is up.
func (p *Pool) Daemon(service string) *Daemon {
	return p.order(service)[0].d
}

func (p *Pool) run(ctx context.Context, m *member, spec *Spec) (Result, error) {
	defer p.release(m)
	if err := m.d.probe(ctx); err != nil {
		return Result{}, &unreachable{err}
	}
	return m.d.Build(ctx, spec)
}

// lost says whether err came from m going away, and marks it down if so.
func (p *Pool) lost(ctx context.Context, m *member, service string, err error) bool {
	var u *unreachable
	if !errors.As(err, &u) {
		if m.d.probe(ctx) == nil {
			return false
		}
	}
	p.mu.Lock()
	m.down = err
	p.broadcast()
	left := 0
	for _, o := range p.members {
		if o.down == nil {
			left++
		}
	}
	p.mu.Unlock()
	if p.Notify != nil && left > 0 {
		p.Notify(service, fmt.Sprintf("%s did not answer (%v): building elsewhere", m.d.Endpoint, err))
	}
	return left > 0
}

// acquire waits for a slot on the first daemon, in the service's order,
// that is up and has room.
func (p *Pool) acquire(ctx context.Context, service string) (*member, error) {
	order := p.order(service)
	for {
		p.mu.Lock()
		var lastDown error
		for _, m := range order {
			if m.down != nil {
				lastDown = m.down
				continue
			}
			if m.used < m.d.Endpoint.jobs() {
				m.used++
				p.mu.Unlock()
				return m, nil
			}
		}
		if lastDown != nil && allDown(order) {
			p.mu.Unlock()
			return nil, fmt.Errorf("no BuildKit daemon answers: %w", lastDown)
		}
		wait := p.changed
		p.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (p *Pool) release(m *member) {
	p.mu.Lock()
	m.used--
	p.broadcast()
	p.mu.Unlock()
}

// broadcast wakes every waiting build; p.mu is held.
func (p *Pool) broadcast() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// order ranks the daemons for a service by rendezvous hashing: the same
// service ranks them the same way on every run and machine, and removing
// a daemon moves only the services that preferred it.
func (p *Pool) order(service string) []*member {
	out := append([]*member(nil), p.members...)
	score := func(m *member) uint64 {
		h := fnv.New64a()
		_, _ = h.Write([]byte(service + "\x00" + m.d.Endpoint.Address))
		return h.Sum64()
	}
	sort.SliceStable(out, func(i, j int) bool { return score(out[i]) > score(out[j]) })
	return out
}

func allDown(ms []*member) bool {
	for _, m := range ms {
		if m.down == nil {
			return false
		}
	}
	return true
}

// unreachable is a daemon that did not answer before a build started.
type unreachable struct{ err error }

func (u *unreachable) Error() string { return u.err.Error() }
func (u *unreachable) Unwrap() error { return u.err }

// probe checks that the daemon answers.
func (d *Daemon) probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	c, err := Dial(ctx, d.Endpoint, d.Engine)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ListWorkers(ctx); err != nil {
		return fmt.Errorf("asking %s for its workers: %w", d.Endpoint, err)
	}
	return nil
}
