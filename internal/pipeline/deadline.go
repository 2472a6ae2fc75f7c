package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/x-platform/x-platform/internal/retry"
)

// WithDeadline bounds every push and pull of images by d. The engine moves
// the bytes and keeps its own connections, so the policy's idle time cannot
// see a stalled transfer there; a deadline at least ends it.
func WithDeadline(images Images, d time.Duration) Images {
	return deadlineImages{images, d}
}

type deadlineImages struct {
	Images
	d time.Duration
}

var _ Images = deadlineImages{}

func (i deadlineImages) Pull(ctx context.Context, ref string, log io.Writer) error {
	return i.bounded(ctx, func(ctx context.Context) error { return i.Images.Pull(ctx, ref, log) })
}

func (i deadlineImages) Push(ctx context.Context, ref string, log io.Writer) (digest string, err error) {
	err = i.bounded(ctx, func(ctx context.Context) error {
		digest, err = i.Images.Push(ctx, ref, log)
		return err
	})
	return digest, err
}

func (i deadlineImages) bounded(ctx context.Context, fn func(context.Context) error) error {
	tctx, cancel := context.WithTimeout(ctx, i.d)
	defer cancel()
	err := fn(tctx)
	if err != nil && ctx.Err() == nil && errors.Is(tctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("gave up after %s (the registry or the network is too slow; set %s to wait longer): %w", retry.ShortDuration(i.d), retry.DeadlineEnv, err)
	}
	return err
}
