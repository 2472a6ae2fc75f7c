// Command baseimages makes the local base images builds and the demo use —
// a static busybox and the host's Go toolchain — with docker import, so that
// nothing is pulled from a public registry. Existing images are kept.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/x-platform/x-platform/internal/baseimage"
	"github.com/x-platform/x-platform/internal/engine"
)

func main() {
	busybox := flag.String("busybox", "xp/busybox:local", "name of the busybox image")
	golang := flag.String("go", "xp/go:local", "name of the Go toolchain image (empty: skip)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *busybox, *golang); err != nil {
		fmt.Fprintln(os.Stderr, "baseimages:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, busybox, golang string) error {
	c, _, err := engine.Connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := baseimage.Busybox(ctx, c, busybox); err != nil {
		return fmt.Errorf("making %s: %w", busybox, err)
	}
	fmt.Fprintln(os.Stderr, "base image", busybox, "ready")
	if golang == "" {
		return nil
	}
	if err := baseimage.GoToolchain(ctx, c, golang, busybox); err != nil {
		return fmt.Errorf("making %s: %w", golang, err)
	}
	fmt.Fprintln(os.Stderr, "base image", golang, "ready")
	return nil
}
