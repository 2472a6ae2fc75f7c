package image_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/retry"
	"github.com/x-platform/x-platform/internal/testenv"
)

// faultPolicy makes a stall show within seconds and keeps retries quick.
var faultPolicy = retry.Policy{Idle: 2 * time.Second, Attempts: 4, Backoff: 50 * time.Millisecond}

// TestIntegrationRegistryFaults puts a fault proxy between the client and a
// real registry: each call either succeeds by retrying or fails in a
// bounded time with a message naming the host, and once the fault is gone
// the same call on a new client succeeds with the right answer.
func TestIntegrationRegistryFaults(t *testing.T) {
	t.Parallel()
	reg := testenv.Registry(t)
	fault := testenv.StartHTTPFault(t, reg)
	repo := testenv.UniqueName(t, "faults")
	want := testenv.PushRandomImage(t, reg+"/"+repo+":v1")
	ref := image.Cut(fault.Addr + "/" + repo + ":v1")

	calls := []struct {
		name string
		call func(ctx context.Context, r *image.Registry) (string, error)
	}{
		{"inspect digest", func(ctx context.Context, r *image.Registry) (string, error) { return r.Digest(ctx, ref) }},
		{"inspect config", func(ctx context.Context, r *image.Registry) (string, error) {
			c, err := r.Config(ctx, ref)
			return c.Digest, err
		}},
		{"tag", func(ctx context.Context, r *image.Registry) (string, error) {
			if err := r.Tag(ctx, ref, "again"); err != nil {
				return "", err
			}
			return r.Digest(ctx, ref.WithTag("again"))
		}},
	}
	faults := []struct {
		name    string
		set     func()
		wantErr string // "" when retrying gets through
		bodies  bool   // only for calls that read a response body
	}{
		{"two 503s", func() { fault.Fail(2) }, "", false},
		{"503 on every attempt", func() { fault.Fail(1000) }, "503 Service Unavailable", false},
		{"stall", fault.Stall, fault.Addr + " sent nothing for 2s", false},
		{"cut mid-headers", func() { fault.CutAfter(100) }, "EOF", false},
		// The ping's answer is about 200 bytes: 600 ends in the manifest's body.
		{"cut mid-body", func() { fault.CutAfter(600) }, "EOF", true},
		{"slow", func() { fault.Slow(4096) }, "", false},
	}
	for _, f := range faults {
		for _, c := range calls {
			if f.bodies && c.name == "inspect digest" {
				continue // a HEAD answer has no body to cut
			}
			t.Run(f.name+"/"+c.name, func(t *testing.T) {
				f.set()
				start := time.Now()
				got, err := c.call(t.Context(), image.NewRegistry(image.WithPolicy(faultPolicy)))
				took := time.Since(start)
				fault.Clear()
				if took > 15*time.Second {
					t.Errorf("the call took %s; a fault must end it within a bounded time", took)
				}
				switch {
				case f.wantErr == "" && err != nil:
					t.Fatalf("want success by retrying, got %v", err)
				case f.wantErr == "" && got != want:
					t.Fatalf("digest = %s, want %s", got, want)
				case f.wantErr != "" && (err == nil || !strings.Contains(err.Error(), f.wantErr)):
					t.Fatalf("error = %v, want one containing %q", err, f.wantErr)
				}
				// The next run, with the fault gone, is clean.
				got, err = c.call(t.Context(), image.NewRegistry(image.WithPolicy(faultPolicy)))
				if err != nil || got != want {
					t.Fatalf("after the fault: %s, %v; want %s", got, err, want)
				}
			})
		}
	}
}
