package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/client"
	"github.com/x-platform/x-platform/internal/baseimage"
	"github.com/x-platform/x-platform/internal/engine"
)

// BusyboxRef names the base image that BaseImage makes and keeps between test runs.
const BusyboxRef = "xp-test/busybox:1"

// ensureMu serialises image making, so parallel tests wait for one import instead of
// racing; once an image exists, making it again is only an inspection.
var ensureMu sync.Mutex

// Docker returns a client of the engine the environment names (see package
// engine) that answered a ping; it is closed when the test ends.
func Docker(t testing.TB) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	cli, _, err := engine.Connect(ctx)
	if err != nil {
		t.Fatalf("%v (run hack/ensure-docker.sh)", err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// BaseImage returns the name of a busybox image in the engine, making it when missing.
func BaseImage(t testing.TB) string {
	t.Helper()
	ensure(t, BusyboxRef, 2*time.Minute, func(ctx context.Context, cli *client.Client) error {
		return baseimage.Busybox(ctx, cli, BusyboxRef)
	})
	return BusyboxRef
}

// GoImage returns the name of an image holding this machine's Go toolchain on top of
// BaseImage, making it when missing; builds in it work offline.
func GoImage(t testing.TB) string {
	t.Helper()
	base := BaseImage(t)
	ref := "xp-test/go:" + dockerSafe(strings.TrimPrefix(runtime.Version(), "go"), ".")
	ensure(t, ref, 10*time.Minute, func(ctx context.Context, cli *client.Client) error {
		return baseimage.GoToolchain(ctx, cli, ref, base)
	})
	return ref
}

// ensure runs create for ref under ensureMu, failing the test if it fails.
func ensure(t testing.TB, ref string, timeout time.Duration, create func(context.Context, *client.Client) error) {
	t.Helper()
	ensureMu.Lock()
	defer ensureMu.Unlock()
	cli := Docker(t)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	if err := create(ctx, cli); err != nil {
		t.Fatalf("making image %s: %v", ref, err)
	}
}

// UniqueName returns a new lowercase name, usable for images, containers and repositories,
// made of prefix, the test's name and random hex digits.
func UniqueName(t testing.TB, prefix string) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("reading random bytes: %v", err)
	}
	name := dockerSafe(t.Name(), "")
	if len(name) > 24 {
		name = strings.Trim(name[len(name)-24:], "-")
	}
	parts := []string{dockerSafe(prefix, ""), name, hex.EncodeToString(b[:])}
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "-")
}

// dockerSafe lowercases s and turns every run of characters other than [a-z0-9] and keep
// into one '-', trimmed at both ends.
func dockerSafe(s, keep string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || strings.ContainsRune(keep, r) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}
