package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
)

// hungBuilder is a build whose scripts never finish: it ends only when its
// context does.
type hungBuilder struct{}

func (hungBuilder) Build(ctx context.Context, _ *buildkit.Spec) (buildkit.Result, error) {
	<-ctx.Done()
	return buildkit.Result{}, ctx.Err()
}

func TestBuildTimesOutAfterTheServiceTimeout(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, func(s *manifest.Service) { s.Timeout = 200 * time.Millisecond }, "svc")
	p.Builder = hungBuilder{}
	done := make(chan report.ServiceResult)
	go func() { done <- p.Build(t.Context(), svcs)[0] }()
	select {
	case r := <-done:
		want := "build timed out after 200ms (set a longer timeout: for the service in x-platform.yml if it needs more)"
		if r.Action != report.ActionFailed || r.Error != want {
			t.Fatalf("result = %+v, want failed with %q", r, want)
		}
	case <-time.After(time.Minute):
		t.Fatal("a hung build ran past its timeout")
	}
}
