package app

import (
	"fmt"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/report"
)

// BenchmarkParallelBuild8 times `build --jobs 4` of 8 independent services
// whose build scripts each take the same fixed time, against the ideal: two
// waves of one service's build, timed in the same run with --jobs 1.
func BenchmarkParallelBuild8(b *testing.B) {
	const n, jobs = 8, 4
	p := newPlatform(b, serviceNames(n)...)
	p.build(ExitOK) // clones and warms the engine's layer cache
	round := 0
	for _, script := range []time.Duration{3 * time.Second, 10 * time.Second} {
		// rescript gives every service a script unlike any earlier one, so
		// their keys change and they build.
		rescript := func() {
			round++
			p.writeManifest(func(name string, svc map[string]string) {
				// One line: each line is a BuildKit step, cached by its text,
				// so the sleep must change with the round too.
				svc["build"] = fmt.Sprintf(`["sleep %d && echo built-%d-$XP_COMMIT > out.txt"]`, int(script.Seconds()), round)
			})
		}
		b.Run(fmt.Sprintf("script=%s", script), func(b *testing.B) {
			var single, wall time.Duration
			for b.Loop() {
				b.StopTimer()
				rescript()
				start := time.Now()
				got := p.build(ExitOK, "--jobs", "1", "--services", "svc00")
				single += time.Since(start)
				if len(got) != 1 || got["svc00"].Action != report.ActionBuilt {
					b.Fatalf("single build = %+v", got)
				}
				rescript()
				b.StartTimer()
				start = time.Now()
				got = p.build(ExitOK, "--jobs", fmt.Sprint(jobs))
				wall += time.Since(start)
				if built := countActions(got, report.ActionBuilt); built != n {
					b.Fatalf("%d of %d services built: %+v", built, n, got)
				}
			}
			b.ReportMetric(single.Seconds()/float64(b.N), "s-single")
			b.ReportMetric(wall.Seconds()/float64(b.N), "s-wall")
			b.ReportMetric(wall.Seconds()/(float64(n/jobs)*single.Seconds()), "wall/ideal")
		})
	}
}

// BenchmarkOneChangedOf20 times `build` of 20 services of which one has a new
// commit, against the sum of that one service's build alone and a no-op
// build of all 20.
func BenchmarkOneChangedOf20(b *testing.B) {
	const n, changed = 20, "svc07"
	p := newPlatform(b, serviceNames(n)...)
	if got := p.build(ExitOK); countActions(got, report.ActionBuilt) != n {
		b.Fatalf("set-up build = %+v", got)
	}
	round := 0
	commit := func() {
		round++
		p.remotes[changed].Commit(b, "master", map[string]string{"change.txt": fmt.Sprint(round)}, "change")
	}
	timed := func(total *time.Duration, args ...string) map[string]report.ServiceResult {
		start := time.Now()
		got := p.build(ExitOK, args...)
		*total += time.Since(start)
		return got
	}
	var run, single, noop time.Duration
	for b.Loop() {
		b.StopTimer()
		commit()
		b.StartTimer()
		got := timed(&run)
		b.StopTimer()
		if countActions(got, report.ActionBuilt) != 1 || got[changed].Action != report.ActionBuilt || countActions(got, report.ActionPresent) != n-1 {
			b.Fatalf("one changed service: %+v", got)
		}
		if got := timed(&noop); countActions(got, report.ActionPresent) != n {
			b.Fatalf("no-op build = %+v", got)
		}
		commit()
		if got := timed(&single, "--services", changed); len(got) != 1 || got[changed].Action != report.ActionBuilt {
			b.Fatalf("single build = %+v", got)
		}
		b.StartTimer()
	}
	per := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(b.N) }
	b.ReportMetric(per(run), "ms-run")
	b.ReportMetric(per(single), "ms-single")
	b.ReportMetric(per(noop), "ms-noop")
	b.ReportMetric(run.Seconds()/(single+noop).Seconds(), "run/(single+noop)")
}

func serviceNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("svc%02d", i)
	}
	return names
}

func countActions(results map[string]report.ServiceResult, want report.Action) int {
	n := 0
	for _, r := range results {
		if r.Action == want {
			n++
		}
	}
	return n
}
