// Command registry runs the local container registry in the foreground until interrupted,
// printing its host:port on stdout.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/x-platform/x-platform/internal/localregistry"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:5000", "address to listen on")
	root := flag.String("root", "", "directory for stored images (default: in memory)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := localregistry.Start(ctx, localregistry.Options{Addr: *addr, RootDir: *root})
	if err != nil {
		fmt.Fprintf(os.Stderr, "registry: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(srv.Addr())
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "registry: closing: %v\n", err)
		os.Exit(1)
	}
}
