package pipeline

import (
	"context"
	"os"
	"testing"

	"github.com/x-platform/x-platform/internal/report"
)

// A local image once pushed whose tags the registry lacks, with no record
// of a run that finished them (a push cut short, or the record removed),
// is pushed again and tagged, not taken as done.
func TestPresentImageLostFromTheRegistryIsPushedAndTagged(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	ctx := context.Background()
	first := p.Build(ctx, svcs)[0]
	clear(f.remote)
	recordsOf(p.Manifest).forget("svc")

	f.calls = nil
	r := p.Build(ctx, svcs)[0]
	if r.Action != report.ActionPresent || f.has("build") {
		t.Fatalf("rerun = %+v, calls %q", r, f.calls)
	}
	for _, c := range []string{"push " + first.Image, "rtag " + first.Image + " key-" + first.Key, "rtag " + first.Image + " master"} {
		if !f.has(c) {
			t.Errorf("missing call %q in %q", c, f.calls)
		}
	}

	// With every tag in place, a rerun writes nothing.
	f.calls = nil
	if r := p.Build(ctx, svcs)[0]; r.Action != report.ActionPresent || f.has("push") || f.has("rtag") {
		t.Fatalf("third run = %+v, calls %q", r, f.calls)
	}
}

// A no-op rerun after a finished run trusts its record and asks the
// registry nothing; a record of another digest is not trusted.
func TestFinishedTagsAreNotLookedUpAgain(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	ctx := context.Background()
	first := p.Build(ctx, svcs)[0]
	if _, err := os.Stat(recordsOf(p.Manifest).path("svc")); err != nil {
		t.Fatalf("no record after a finished run: %v", err)
	}

	f.lookups = 0
	if r := p.Build(ctx, svcs)[0]; r.Action != report.ActionPresent || f.lookups != 0 {
		t.Fatalf("rerun = %+v with %d registry look-ups, want present with none", r, f.lookups)
	}

	if err := os.WriteFile(recordsOf(p.Manifest).path("svc"), []byte(pushedKey("sha256:another", []string{first.Image})), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := p.Build(ctx, svcs)[0]; r.Action != report.ActionPresent || f.lookups == 0 {
		t.Fatalf("rerun with a record of another digest = %+v with %d look-ups, want the registry asked", r, f.lookups)
	}
}
