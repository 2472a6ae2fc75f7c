package pipeline

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/report"
)

// fakeGate refuses every image while refuse is set, and records what it
// was asked.
type fakeGate struct {
	mu     sync.Mutex
	refuse bool
	broken error
	asked  []string
}

var _ Gate = (*fakeGate)(nil)

func (g *fakeGate) Ready(context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.broken
}

func (g *fakeGate) Admit(_ context.Context, service string, ref image.Ref) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.asked = append(g.asked, service+" "+ref.String())
	if g.refuse {
		return errors.New("refused by the policy")
	}
	return nil
}

func TestGateRefusesBeforeTheCommitTagMoves(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	g := &fakeGate{refuse: true}
	p.Gate = g
	ctx := context.Background()
	ref := "reg.test/x/svc:" + f.commits[svcs[0].AbsDir]

	got := p.Build(ctx, svcs)[0]
	if got.Action != report.ActionFailed || !strings.Contains(got.Error, "refused by the policy") {
		t.Fatalf("refused build = %+v", got)
	}
	key := "reg.test/x/svc:key-" + got.Key
	if _, ok := f.remote[key]; !ok {
		t.Errorf("the image is not in the registry under its key's tag: calls %q", f.calls)
	}
	for _, r := range []string{ref, "reg.test/x/svc:master"} {
		if _, ok := f.remote[r]; ok {
			t.Errorf("%s was tagged although the gate refused: calls %q", r, f.calls)
		}
	}
	if _, ok := f.local[ref]; ok {
		t.Errorf("the engine holds %s, which a later run would push as present", ref)
	}
	if len(g.asked) != 1 || !strings.HasPrefix(g.asked[0], "svc reg.test/x/svc@sha256:") {
		t.Errorf("gate asked %q", g.asked)
	}

	// The next run reuses the key's image: the gate is asked again and,
	// admitting it now, the commit and branch tags follow.
	g.refuse = false
	f.calls = nil
	got = p.Build(ctx, svcs)[0]
	if got.Action != report.ActionReused || len(g.asked) != 2 {
		t.Fatalf("second run = %+v, gate asked %q, calls %q", got, g.asked, f.calls)
	}
	for _, r := range []string{ref, "reg.test/x/svc:master"} {
		if _, ok := f.remote[r]; !ok {
			t.Errorf("%s missing after the gate admitted the image: calls %q", r, f.calls)
		}
	}

	// Nothing changed: the gate is not asked.
	if got = p.Build(ctx, svcs)[0]; got.Action != report.ActionPresent && got.Action != report.ActionFound || len(g.asked) != 2 {
		t.Fatalf("no-op run = %+v, gate asked %q", got, g.asked)
	}
}

func TestGateAdmitsABuild(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	g := &fakeGate{}
	p.Gate = g
	got := p.Build(context.Background(), svcs)[0]
	ref := "reg.test/x/svc:" + f.commits[svcs[0].AbsDir]
	if got.Action != report.ActionBuilt || got.Digest == "" || len(g.asked) != 1 {
		t.Fatalf("build = %+v, gate asked %q", got, g.asked)
	}
	for _, r := range []string{ref, "reg.test/x/svc:key-" + got.Key, "reg.test/x/svc:master"} {
		if _, ok := f.remote[r]; !ok {
			t.Errorf("%s missing: calls %q", r, f.calls)
		}
	}
	if _, ok := f.local[ref]; !ok {
		t.Errorf("the engine lacks %s: calls %q", ref, f.calls)
	}
}

func TestBrokenGateStopsTheBuildBeforeItStarts(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	p.Gate = &fakeGate{broken: errors.New("reading the advisory database: db.zip: not a zip")}
	got := p.Build(context.Background(), svcs)[0]
	if got.Action != report.ActionFailed || !strings.Contains(got.Error, "db.zip") || f.has("build") || f.has("push") || f.has("rtag") {
		t.Fatalf("result = %+v, calls %q", got, f.calls)
	}
}
