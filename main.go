// Command x-platform builds, tags and pushes every service of a product
// described in one x-platform.yml.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/x-platform/x-platform/internal/app"
)

func main() {
	// The first Ctrl-C cancels the run so containers are cleaned up; a second
	// one kills the process the usual way.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := app.Run(ctx, os.Args, app.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
