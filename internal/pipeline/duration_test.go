package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/report"
)

// slowBuilder takes at least d over the build of the service named slow.
type slowBuilder struct {
	Builder
	slow string
	d    time.Duration
}

func (b slowBuilder) Build(ctx context.Context, spec *buildkit.Spec) (buildkit.Result, error) {
	if spec.Name == b.slow {
		time.Sleep(b.d)
	}
	return b.Builder.Build(ctx, spec)
}

func TestEachServiceCarriesItsDuration(t *testing.T) {
	f := newFake()
	f.failRun["zfrontend"] = &buildkit.StepError{Line: 1, ExitCode: 2}
	p, svcs := testPipeline(t, f, chain, "zfrontend", "zbackend", "other")
	p.Builder = slowBuilder{Builder: f, slow: "other", d: 60 * time.Millisecond}
	p.KeepGoing = true
	got := byName(p.Build(context.Background(), svcs))
	if got["other"].Action != report.ActionBuilt || got["other"].DurationMs < 60 {
		t.Fatalf("other = %+v, want built in at least 60ms", got["other"])
	}
	if got["zfrontend"].Action != report.ActionFailed || got["zfrontend"].DurationMs >= 60 {
		t.Fatalf("zfrontend = %+v, want failed at once", got["zfrontend"])
	}
	if got["zbackend"].Action != report.ActionSkipped || got["zbackend"].DurationMs != 0 {
		t.Fatalf("zbackend = %+v, want skipped with no duration", got["zbackend"])
	}
}
