package buildkit_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/testenv"
)

// poolServices is how many independent services BenchmarkPoolWall builds
// at once: two waves on one daemon of 4 jobs, one wave on two.
const poolServices = 8

// BenchmarkPoolWall builds 8 services whose script sleeps 3 s, all at once,
// through a pool of one standalone buildkitd and then of two (4 jobs each).
// Two daemons run the 8 scripts in one wave instead of two, so the wall
// time should drop towards half.
func BenchmarkPoolWall(b *testing.B) {
	reg := testenv.Registry(b)
	base := testenv.PushBaseImage(b, reg)
	d1, _ := benchDaemon(b, reg, 4)
	d2, _ := benchDaemon(b, reg, 4)
	one, two := buildkit.NewPool(d1), buildkit.NewPool(d1, d2)
	ctx, cancel := context.WithTimeout(b.Context(), 15*time.Minute)
	defer cancel()
	repo := reg + "/" + testenv.UniqueName(b, "pool")

	// Both daemons pull the base image once, outside the figures.
	_, used := poolRound(b, ctx, two, reg, base, repo, testenv.UniqueName(b, "warm"))
	if len(used) != 2 {
		b.Fatalf("8 services at once on two daemons of 4 jobs ran on %v", used)
	}
	var sumOne, sumTwo time.Duration
	b.ResetTimer()
	for range b.N {
		t1, _ := poolRound(b, ctx, one, reg, base, repo, testenv.UniqueName(b, "one"))
		t2, used := poolRound(b, ctx, two, reg, base, repo, testenv.UniqueName(b, "two"))
		if len(used) != 2 {
			b.Fatalf("the two-daemon pool ran everything on %v", used)
		}
		sumOne += t1
		sumTwo += t2
	}
	n := float64(b.N)
	b.ReportMetric(sumOne.Seconds()/n, "s-one-daemon")
	b.ReportMetric(sumTwo.Seconds()/n, "s-two-daemons")
	b.ReportMetric(sumTwo.Seconds()/sumOne.Seconds(), "two/one")
}

// poolRound builds the 8 services at once with scripts of their own, so no
// cache answers, and returns the wall time and how many ran on each daemon.
func poolRound(b *testing.B, ctx context.Context, pool *buildkit.Pool, reg, base, repo, nonce string) (time.Duration, map[string]int) {
	b.Helper()
	type outcome struct {
		res buildkit.Result
		err error
		log string
	}
	out := make([]outcome, poolServices)
	specs := make([]*buildkit.Spec, poolServices)
	for i := range specs {
		specs[i] = &buildkit.Spec{
			Name: fmt.Sprintf("svc%d", i),
			Source: tree(b, map[string]string{
				"Dockerfile": "ARG BASE\nFROM ${BASE}\nCOPY out.txt /out.txt\n",
			}),
			Builder: base, Mount: "/work", UID: 1000, GID: 1000,
			// A line of its own per service: identical steps of concurrent
			// builds on one daemon would run once.
			Lines:      []string{fmt.Sprintf("sleep 3; echo %s-%d > out.txt", nonce, i)},
			Build:      1,
			Dockerfile: "Dockerfile", Context: ".",
			BuildArgs: map[string]string{"BASE": base},
			Names:     []string{fmt.Sprintf("%s/svc%d:%s", repo, i, nonce)},
			ByDigest:  true,
			Insecure:  true,
		}
	}
	var wg sync.WaitGroup
	start := time.Now()
	for i, spec := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var log bytes.Buffer
			spec.Log = &log
			res, err := pool.Build(ctx, spec)
			out[i] = outcome{res, err, log.String()}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	used := map[string]int{}
	for i, o := range out {
		if o.err != nil {
			b.Fatalf("building svc%d: %v\n%s", i, o.err, o.log)
		}
		// A script that did not run for its 3 s would make the figure meaningless.
		step := fmt.Sprintf("svc%d build 1/1: sleep 3", i)
		if d, ok := stepDuration(o.log, step); !ok || d < 3*time.Second {
			b.Fatalf("svc%d's script did not run its 3 s (%v, %v):\n%s", i, d, ok, o.log)
		}
		used[o.res.Daemon]++
	}
	return took, used
}

// goChanges is how many one-line changes each round of
// BenchmarkGoIncremental builds.
const goChanges = 3

// zbackendBuild is the build line x-platform.yml gives zbackend.
const zbackendBuild = `go build -ldflags "-X main.commit=$XP_COMMIT" -o bin/zbackend .`

// BenchmarkGoIncremental builds examples/zbackend on a standalone buildkitd
// in the Go toolchain's builder image with the Go build and module caches
// kept as cache folders, then changes one line of main.go and builds again:
// the script step should take about as long as the same incremental
// go build on the host.
func BenchmarkGoIncremental(b *testing.B) {
	reg := testenv.Registry(b)
	base := testenv.PushBaseImage(b, reg)
	goImage := testenv.PushImage(b, reg, testenv.GoImage(b))
	// PATH comes from the builder image's own config.
	env := map[string]string{"XP_COMMIT": "bench", "GOFLAGS": "-mod=mod", "GOCACHE": "/tmp/.gocache", "GOMODCACHE": "/tmp/go/pkg/mod"}
	d, _ := benchDaemon(b, reg, 0)
	ctx, cancel := context.WithTimeout(b.Context(), 20*time.Minute)
	defer cancel()
	repo := reg + "/" + testenv.UniqueName(b, "go")
	front := frontImage(b, ctx, d, reg, base, repo)
	files := readTree(b, filepath.Join("..", "..", "examples", "zbackend"))
	host := newHostGo(b, files)

	spec := func(files map[string]string, tag string) *buildkit.Spec {
		return &buildkit.Spec{
			Name:    "svc",
			Source:  tree(b, files),
			Builder: goImage, Mount: "/go/src/x/zbackend", UID: 1000, GID: 1000,
			Env:        env,
			Caches:     []string{"/tmp/.gocache", "/tmp/go/pkg/mod"},
			Lines:      []string{zbackendBuild},
			Build:      1,
			Dockerfile: "Dockerfile", Context: ".",
			BuildArgs: map[string]string{"BASE_IMAGE": base, "FRONT": front},
			Names:     []string{repo + "/zbackend:" + tag},
			ByDigest:  true,
			Insecure:  true,
		}
	}
	// Warm: the standard library and the package itself in both caches.
	timedBuild(b, ctx, d, spec(files, "warm"))
	host.build(b)

	var scripts, service, onHost time.Duration
	b.ResetTimer()
	for range b.N {
		// Several changes a round, alternating with the host's build, so
		// that the load of a shared machine weighs on both sides alike.
		for range goChanges {
			changed := changeMain(b, files, testenv.UniqueName(b, "v"))
			took, _, log := timedBuild(b, ctx, d, spec(changed, "changed"))
			step, ok := stepDuration(log, "svc build 1/1: go build")
			if !ok {
				b.Fatalf("the build line did not run after main.go changed:\n%s", log)
			}
			writeTree(b, host.dir, map[string]string{"main.go": changed["main.go"]})
			scripts += step
			service += took
			onHost += host.build(b)
		}
	}
	n := float64(b.N * goChanges)
	b.ReportMetric(scripts.Seconds()/n, "s-scripts")
	b.ReportMetric(onHost.Seconds()/n, "s-host")
	b.ReportMetric(scripts.Seconds()/onHost.Seconds(), "scripts/host")
	b.ReportMetric(service.Seconds()/n, "s-service")
}

// frontImage pushes the smallest image zbackend's Dockerfile takes as FRONT:
// one with a /www folder.
func frontImage(b *testing.B, ctx context.Context, d *buildkit.Daemon, reg, base, repo string) string {
	ref := repo + "/zfrontend:1"
	timedBuild(b, ctx, d, &buildkit.Spec{
		Name:       "front",
		Source:     tree(b, map[string]string{"Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN mkdir /www && echo site > /www/index.html\n"}),
		Dockerfile: "Dockerfile",
		BuildArgs:  map[string]string{"BASE": base},
		Names:      []string{ref},
		Insecure:   true,
	})
	return ref
}

// changeMain changes the greeting's default name, a one-line change.
func changeMain(b *testing.B, files map[string]string, word string) map[string]string {
	const old = `name = "world"`
	if !strings.Contains(files["main.go"], old) {
		b.Fatalf("main.go no longer has %s to change", old)
	}
	out := map[string]string{}
	for k, v := range files {
		out[k] = v
	}
	out["main.go"] = strings.Replace(files["main.go"], old, `name = "`+word+`"`, 1)
	return out
}

// BenchmarkRegistryCacheColdVsWarm builds a service whose Dockerfile begins
// with a 5 s RUN on a fresh buildkitd that exports its cache to the
// registry, then changes the scripts and builds on another fresh daemon
// that has only that cache: the RUN comes from the registry, so the second
// build should take well under half the first.
func BenchmarkRegistryCacheColdVsWarm(b *testing.B) {
	reg := testenv.Registry(b)
	base := testenv.PushBaseImage(b, reg)
	ctx, cancel := context.WithTimeout(b.Context(), 15*time.Minute)
	defer cancel()
	var cold, warm time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		nonce := testenv.UniqueName(b, "n")
		repo := reg + "/" + testenv.UniqueName(b, "cache") + "/svc"
		spec := func(line string) *buildkit.Spec {
			return &buildkit.Spec{
				Name: "svc",
				Source: tree(b, map[string]string{
					"Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN echo expensive-" + nonce + " && sleep 5\nCOPY out.txt /out.txt\n",
				}),
				Builder: base, Mount: "/work", UID: 1000, GID: 1000,
				Lines:      []string{line},
				Build:      1,
				Dockerfile: "Dockerfile", Context: ".",
				BuildArgs: map[string]string{"BASE": base},
				Names:     []string{repo + ":" + nonce},
				ByDigest:  true,
				Insecure:  true,
			}
		}
		expensive := "RUN echo expensive-" + nonce
		first := spec("echo " + nonce + "-1 > out.txt")
		first.CacheTo = repo + ":buildcache"
		d, bk := benchDaemon(b, reg, 0)
		b.StartTimer()
		took, _, log := timedBuild(b, ctx, d, first)
		b.StopTimer()
		if ran, ok := stepDuration(log, expensive); !ok || ran < 5*time.Second || !printed(log, "expensive-"+nonce) {
			b.Fatalf("the cold build did not run the expensive step (%v, %v):\n%s", ran, ok, log)
		}
		cold += took
		bk.Stop(b)

		second := spec("echo " + nonce + "-2 > out.txt")
		second.CacheFrom = []string{repo + ":buildcache"}
		d, bk = benchDaemon(b, reg, 0)
		b.StartTimer()
		took, _, log = timedBuild(b, ctx, d, second)
		b.StopTimer()
		if !fromCache(log, expensive, "expensive-"+nonce, 5*time.Second) {
			b.Fatalf("the fresh daemon ran %q instead of taking it from the registry cache:\n%s", expensive, log)
		}
		if _, ok := stepDuration(log, "svc build 1/1: echo "+nonce+"-2"); !ok {
			b.Fatalf("the changed script did not run:\n%s", log)
		}
		warm += took
		bk.Stop(b)
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(cold.Seconds()/n, "s-cold")
	b.ReportMetric(warm.Seconds()/n, "s-warm")
	b.ReportMetric(warm.Seconds()/cold.Seconds(), "warm/cold")
}
