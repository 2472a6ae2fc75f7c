package buildkit

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func testPool(jobs ...int) *Pool {
	var ds []*Daemon
	for i, j := range jobs {
		ds = append(ds, &Daemon{Endpoint: Endpoint{Address: fmt.Sprintf("tcp://10.0.0.%d:1234", i+1), Jobs: j}})
	}
	return NewPool(ds...)
}

func TestPoolOrderIsStableAndSpreads(t *testing.T) {
	p := testPool(4, 4)
	first := map[string]int{}
	for i := range 40 {
		svc := fmt.Sprintf("svc%02d", i)
		a, b := p.order(svc), p.order(svc)
		if a[0] != b[0] {
			t.Fatalf("%s ranks the daemons differently from call to call", svc)
		}
		first[a[0].d.Endpoint.Address]++
	}
	if len(first) != 2 || first["tcp://10.0.0.1:1234"] < 10 || first["tcp://10.0.0.2:1234"] < 10 {
		t.Fatalf("40 services prefer %v: not spread", first)
	}
}

// TestPoolAcquireSpillsAndWaits: a service takes its daemon while it has
// room, another daemon when it is full, and waits when all are.
func TestPoolAcquireSpillsAndWaits(t *testing.T) {
	p := testPool(1, 1)
	ctx := context.Background()
	preferred := p.order("svc")[0]
	m1, err := p.acquire(ctx, "svc")
	if err != nil || m1 != preferred {
		t.Fatalf("first build went to %v (%v), want its preferred daemon", m1.d.Endpoint, err)
	}
	m2, err := p.acquire(ctx, "svc")
	if err != nil || m2 == m1 {
		t.Fatalf("second build went to %v (%v), want the other daemon", m2.d.Endpoint, err)
	}
	got := make(chan *member)
	go func() {
		m, _ := p.acquire(ctx, "svc")
		got <- m
	}()
	select {
	case m := <-got:
		t.Fatalf("a third build started on %v while both daemons were full", m.d.Endpoint)
	case <-time.After(50 * time.Millisecond):
	}
	p.release(m2)
	if m := <-got; m != m2 {
		t.Fatalf("the third build took %v, want the freed daemon", m.d.Endpoint)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.acquire(cctx, "svc"); err != context.Canceled {
		t.Fatalf("acquire on a cancelled context: %v", err)
	}
}

func TestPoolSkipsDownDaemons(t *testing.T) {
	p := testPool(2, 2)
	preferred := p.order("svc")[0]
	preferred.down = fmt.Errorf("connection refused")
	m, err := p.acquire(context.Background(), "svc")
	if err != nil || m == preferred {
		t.Fatalf("build went to %v (%v), want the daemon that is up", m, err)
	}
	for _, o := range p.members {
		o.down = fmt.Errorf("connection refused")
	}
	if _, err := p.acquire(context.Background(), "svc"); err == nil {
		t.Fatal("acquire with every daemon down succeeded")
	}
	if p.Jobs() != 4 {
		t.Fatalf("Jobs = %d, want 4", p.Jobs())
	}
}
