package gitsync

import (
	"context"
	"fmt"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/x-platform/x-platform/internal/testenv"
)

// noopFixture returns a request for a synced checkout of a small repository
// with some history.
func noopFixture(b *testing.B, r *testenv.Remote) Request {
	req := Request{Remote: r.URL, Dir: b.TempDir(), Reference: "master"}
	for range 2 { // clone, then settle the index timestamps
		if _, err := Sync(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	return req
}

func benchRemote(b *testing.B) *testenv.Remote {
	files := map[string]string{".gitignore": "out/\n"}
	for i := range 20 {
		files[fmt.Sprintf("pkg/f%02d.go", i)] = "package pkg\n"
	}
	r := testenv.NewRemote(b, files)
	for i := range 30 {
		r.Commit(b, "master", map[string]string{"pkg/f00.go": fmt.Sprintf("package pkg // %d\n", i)}, "change")
	}
	return r
}

// BenchmarkSyncNoop measures a Sync that finds nothing to do, the common case
// when a build runs for many services of which few changed.
func BenchmarkSyncNoop(b *testing.B) {
	req := noopFixture(b, benchRemote(b))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := Sync(ctx, req)
		if err != nil || res.Moved {
			b.Fatalf("Sync = %+v, %v", res, err)
		}
	}
}

// BenchmarkSyncNoop50 syncs 50 checkouts with nothing to do, two at a time,
// as a build of 50 unchanged services would on two cores.
func BenchmarkSyncNoop50(b *testing.B) {
	r := benchRemote(b)
	reqs := make([]Request, 50)
	for i := range reqs {
		reqs[i] = noopFixture(b, r)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		g, ctx := errgroup.WithContext(ctx)
		g.SetLimit(2)
		for _, req := range reqs {
			g.Go(func() error {
				_, err := Sync(ctx, req)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}
