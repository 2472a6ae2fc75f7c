package app

import (
	"context"
	"time"

	"github.com/urfave/cli/v2"
)

type startKey struct{}

// withStart records when the command began, so every report can say how
// long it took.
func withStart(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, startKey{}, t)
}

// elapsedMs is the milliseconds since the command began; 0 when the
// context carries no start.
func elapsedMs(c *cli.Context) int64 {
	t, ok := c.Context.Value(startKey{}).(time.Time)
	if !ok {
		return 0
	}
	return time.Since(t).Milliseconds()
}
