package buildkit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/testenv"
)

// signalWriter closes seen once what it is given contains want.
type signalWriter struct {
	mu   sync.Mutex
	buf  strings.Builder
	want string
	seen chan struct{}
	once sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

// TestIntegrationPoolSpreadsKeepsAffinityAndFailsOver runs a pool of two
// standalone daemons: services spread over both, a service goes back to the
// daemon it used, and when that daemon stops in the middle of its build the
// build moves to the other and the run is told.
func TestIntegrationPoolSpreadsKeepsAffinityAndFailsOver(t *testing.T) {
	reg := testenv.Registry(t)
	base := testenv.PushBaseImage(t, reg)
	var daemons []*testenv.Buildkitd
	var eps []*buildkit.Daemon
	for range 2 {
		b := testenv.StartBuildkitd(t, testenv.BuildkitdOptions{InsecureRegistries: []string{reg}})
		daemons = append(daemons, b)
		eps = append(eps, &buildkit.Daemon{Endpoint: buildkit.Endpoint{Address: b.Addr}})
	}
	pool := buildkit.NewPool(eps...)
	var notes []string
	var mu sync.Mutex
	pool.Notify = func(service, msg string) {
		mu.Lock()
		defer mu.Unlock()
		notes = append(notes, service+": "+msg)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	nonce := testenv.UniqueName(t, "n")

	// The daemons' addresses are random, so which names hash to which daemon
	// is too: take names until both daemons have some, so that the test
	// does not depend on the draw (six names all land on one daemon in one
	// run of 32).
	var names []string
	assigned := map[string]bool{}
	for i := 0; len(names) < 6 || len(assigned) < 2; i++ {
		name := fmt.Sprintf("svc%d", i)
		names = append(names, name)
		assigned[pool.Daemon(name).Endpoint.String()] = true
	}
	used := map[string]bool{}
	for _, name := range names {
		spec := registrySpec(t, reg, base, nonce)
		spec.Name = name
		res, err := pool.Build(ctx, spec)
		if err != nil {
			t.Fatalf("%s: %v", spec.Name, err)
		}
		if want := pool.Daemon(spec.Name).Endpoint.String(); res.Daemon != want {
			t.Errorf("%s ran on %s, want its own daemon %s", spec.Name, res.Daemon, want)
		}
		used[res.Daemon] = true
	}
	if len(used) != 2 {
		t.Fatalf("%d services all ran on %v", len(names), used)
	}

	// The next build of svc0 goes to its daemon, which dies during the line.
	spec := registrySpec(t, reg, base, nonce+"-slow")
	spec.Name = "svc0"
	spec.Lines = []string{"sleep 3; echo slow > out.txt"}
	first := pool.Daemon("svc0").Endpoint.Address
	w := &signalWriter{want: "svc0 build 1/1: sleep 3", seen: make(chan struct{})}
	spec.Log = w
	go func() {
		select {
		case <-w.seen:
			for _, b := range daemons {
				if b.Addr == first {
					b.Stop(t)
				}
			}
		case <-ctx.Done():
		}
	}()
	res, err := pool.Build(ctx, spec)
	if err != nil {
		t.Fatalf("build while its daemon stopped: %v\n%s", err, w.buf.String())
	}
	if res.Daemon == first {
		t.Fatalf("the build stayed on %s, which stopped", first)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(notes) != 1 || !strings.Contains(notes[0], first+" did not answer") {
		t.Fatalf("the run was told %q", notes)
	}
}
