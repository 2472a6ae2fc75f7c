package pipeline

import (
	"context"
	"testing"

	"github.com/x-platform/x-platform/internal/ui"
)

// A local image once pushed whose tags the registry lost (cleaned up, or a
// new registry) is pushed again and tagged, not taken as done.
func TestPresentImageLostFromTheRegistryIsPushedAndTagged(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	ctx := context.Background()
	first := p.Build(ctx, svcs)[0]
	clear(f.remote)

	f.calls = nil
	r := p.Build(ctx, svcs)[0]
	if r.Action != ui.ActionPresent || f.has("build") {
		t.Fatalf("rerun = %+v, calls %q", r, f.calls)
	}
	for _, c := range []string{"push " + first.Image, "rtag " + first.Image + " key-" + first.Key, "rtag " + first.Image + " master"} {
		if !f.has(c) {
			t.Errorf("missing call %q in %q", c, f.calls)
		}
	}

	// With every tag in place, a rerun writes nothing.
	f.calls = nil
	if r := p.Build(ctx, svcs)[0]; r.Action != ui.ActionPresent || f.has("push") || f.has("rtag") {
		t.Fatalf("third run = %+v, calls %q", r, f.calls)
	}
}
