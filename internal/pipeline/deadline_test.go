package pipeline

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/report"
)

// hungEngine is an engine whose pushes and pulls never end on their own,
// as when the registry stops answering the engine.
type hungEngine struct{ *fake }

func (hungEngine) Push(ctx context.Context, ref string, _ io.Writer) (string, error) {
	<-ctx.Done()
	return "", fmt.Errorf("pushing %s: %w", ref, ctx.Err())
}

func (hungEngine) Pull(ctx context.Context, ref string, _ io.Writer) error {
	<-ctx.Done()
	return fmt.Errorf("pulling %s: %w", ref, ctx.Err())
}

func TestHungPushEndsAtTheTransferDeadline(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	p.Images = WithDeadline(hungEngine{f}, 200*time.Millisecond)
	done := make(chan report.ServiceResult)
	go func() { done <- p.Build(t.Context(), svcs)[0] }()
	select {
	case r := <-done:
		want := "gave up after 200ms (the registry or the network is too slow; set XP_TRANSFER_TIMEOUT to wait longer)"
		// The engine names its verb; the deadline adds what it cannot know.
		if r.Action != report.ActionFailed || !strings.HasPrefix(r.Error, want+": pushing ") || strings.Count(r.Error, "pushing") != 1 {
			t.Fatalf("result = %+v, want failed with %q, then the engine's error", r, want)
		}
	case <-time.After(time.Minute):
		t.Fatal("a hung push ran past the transfer deadline")
	}
}
