// Command etcd runs a single-member etcd on loopback for a test control plane. Once it
// serves, it prints its client URL as the only line on stdout and runs until SIGTERM or
// SIGINT. A port of 0 picks a free one, so callers need not guess.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "etcd: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("data-dir", "", "directory for the member's data (required)")
	clientPort := flag.Int("client-port", 0, "loopback port for clients; 0 picks a free one")
	peerPort := flag.Int("peer-port", 0, "loopback port for peers; 0 picks a free one")
	logLevel := flag.String("log-level", "error", "debug, info, warn or error")
	flag.Parse()
	if *dir == "" {
		return fmt.Errorf("-data-dir is required")
	}

	cfg := embed.NewConfig()
	cfg.Name = "test"
	cfg.Dir = *dir
	cfg.LogLevel = *logLevel
	cfg.LogOutputs = []string{"stderr"}
	// A test cluster's data is thrown away with its directory: skipping fsync keeps
	// writes fast on a loaded machine.
	cfg.UnsafeNoFsync = true
	client := loopback(*clientPort)
	peer := loopback(*peerPort)
	cfg.ListenClientUrls = []url.URL{client}
	cfg.AdvertiseClientUrls = []url.URL{client}
	cfg.ListenPeerUrls = []url.URL{peer}
	cfg.AdvertisePeerUrls = []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return fmt.Errorf("starting: %w", err)
	}
	defer e.Close()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		return fmt.Errorf("serving: %w", err)
	case <-time.After(time.Minute):
		return fmt.Errorf("not ready after a minute")
	case <-ctx.Done():
		return nil
	}
	fmt.Printf("http://%s\n", e.Clients[0].Addr())

	select {
	case err := <-e.Err():
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
		return nil
	}
}

func loopback(port int) url.URL {
	return url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", port)}
}
