package gitsync

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/retry"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationClientPolicy lists and fetches a real smart-HTTP git server
// through a fault proxy with clients of different policies in one process:
// each call retries 5xx answers up to its own Attempts, then says it gave up
// on the remote, and ends a stall after its own Idle, or at its own Deadline
// when that comes first, however the transports were set up before.
func TestIntegrationClientPolicy(t *testing.T) {
	httpEnv(t)
	origin := testenv.NewRemote(t, map[string]string{"README": "one\n"})
	u, err := url.Parse(origin.ServeHTTP(t))
	if err != nil {
		t.Fatal(err)
	}
	fault := testenv.StartHTTPFault(t, u.Host)
	u.Host = fault.Addr
	remote := u.String()
	head := origin.Head(t, "master")
	dir := checkoutDir(t)
	retries := NewClient(retry.Policy{Idle: 5 * time.Second, Attempts: 3, Backoff: 10 * time.Millisecond})
	if _, err := retries.Sync(t.Context(), Request{Remote: remote, Dir: dir, Reference: "origin/master"}); err != nil {
		t.Fatal(err)
	}

	fault.Fail(2)
	refs, err := retries.LsRemote(t.Context(), remote)
	if err != nil || refs["refs/heads/master"] != head || fault.Failed() != 2 {
		t.Fatalf("listing through two 503s: %v, %v after %d 503s; want master at %s by retrying", refs, err, fault.Failed(), head)
	}
	fault.Clear()
	before := fault.Failed()
	fault.Fail(1000)
	_, err = retries.Fetch(t.Context(), Request{Remote: remote, Dir: dir, Reference: "origin/master"})
	if want := "(gave up on " + remote + " after 3 attempts; try again later)"; err == nil || !strings.Contains(err.Error(), "status code: 503") || !strings.Contains(err.Error(), want) {
		t.Fatalf("fetch through 503s = %v, want the status and %q", err, want)
	}
	if n := fault.Failed() - before; n != 3 {
		t.Errorf("the server answered %d requests with 503, want 3 attempts", n)
	}
	fault.Clear()

	fault.Stall()
	tests := []struct {
		name   string
		policy retry.Policy
		want   string
		within time.Duration
	}{
		{"idle", retry.Policy{Idle: time.Second}, fault.Addr + " sent nothing for 1s", 10 * time.Second},
		{"deadline", retry.Policy{Idle: 10 * time.Minute, Deadline: 2 * time.Second}, "gave up after 2s (the git server or the network is too slow; set " + retry.DeadlineEnv + " to wait longer)", 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClient(tt.policy)
			// A call the policy fails to end fails the test, not hangs it.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			for _, call := range []struct {
				name string
				run  func() error
			}{
				{"ls-remote", func() error { _, err := c.LsRemote(ctx, remote); return err }},
				{"fetch", func() error {
					_, err := c.Fetch(ctx, Request{Remote: remote, Dir: dir, Reference: "origin/master"})
					return err
				}},
			} {
				start := time.Now()
				err := call.run()
				took := time.Since(start)
				if err == nil || !strings.Contains(err.Error(), tt.want) || took > tt.within {
					t.Errorf("%s of a stalled server: %v after %s; want %q within %s", call.name, err, took, tt.want, tt.within)
				}
			}
		})
	}
}
