package app

import (
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/report"
)

// BenchmarkFreshAgent20 times `x-platform build` on a fresh CI machine — no
// checkouts, none of the images, a new HOME — for 20 services whose remotes
// (smart HTTP on loopback) hold 4 versions of a 2 MB random file and whose
// images another machine already built and pushed, against the command-line
// way: per service, one after the other, git clone then docker pull of the
// commit's image. It reports the time ratio, what the checkouts take on disk
// against the files at the commits (and what `git clone --depth 1` takes),
// and the peak RSS of x-platform; by default, at depth 1 (--depth 1), and
// at depth 1 without the files (--no-checkout).
func BenchmarkFreshAgent20(b *testing.B) {
	f := newFreshAgents(b, 20, 4, 2<<20)
	b.Run("default", func(b *testing.B) { f.bench(b) })
	b.Run("depth1", func(b *testing.B) { f.bench(b, "--depth", "1") })
	// What a machine that builds once needs: the commit's objects, no files.
	b.Run("depth1-nocheckout", func(b *testing.B) { f.bench(b, "--depth", "1", "--no-checkout") })
}

// actionFound is what a build reports for an image it knows to be in the
// registry without pulling it.
const actionFound report.Action = "found"

func (f *freshAgents) bench(b *testing.B, flags ...string) {
	var xpTime, cliTime time.Duration
	var checkouts, gitDirs, clones, shallow, peak int64
	pulled := 0
	for b.Loop() {
		b.StopTimer()
		root, home := f.folders(b, "agent")
		b.StartTimer()
		start := time.Now()
		code, r, stderr, rss := f.xp(b, root, home, append([]string{"build"}, flags...)...)
		xpTime += time.Since(start)
		b.StopTimer()
		if code != ExitOK && strings.Contains(stderr, "flag provided but not defined") {
			b.Fatalf("x-platform build does not take %v yet (the shallow checkouts are not in this code): %s", flags, strings.TrimSpace(stderr))
		}
		if code != ExitOK {
			b.Fatalf("x-platform build %v: exit %d\n%s", flags, code, stderr)
		}
		for _, s := range r.Services {
			if s.Action != report.ActionPulled && s.Action != actionFound {
				b.Fatalf("%s: %s (%s), want pulled or found: the fresh machine must take the pushed image", s.Name, s.Action, s.Reason)
			}
		}
		if len(r.Services) != len(f.images) {
			b.Fatalf("the report has %d services, want %d", len(r.Services), len(f.images))
		}
		peak = max(peak, rss)
		pulled += f.localImages(b)
		all, git := diskUsage(b, root)
		checkouts += all
		gitDirs += git
		f.forget(b, root, home)

		root, home = f.folders(b, "cli")
		cliTime += f.cloneAndPull(b, root, home)
		all, _ = diskUsage(b, root)
		clones += all
		f.forget(b, root, home)

		root, home = f.folders(b, "shallow")
		f.shallowClones(b, root, home)
		all, _ = diskUsage(b, root)
		shallow += all
		f.forget(b, root, home)
		b.StartTimer()
	}
	n, tree := float64(b.N), float64(f.treeSize)
	b.ReportMetric(xpTime.Seconds()/n, "s-x-platform")
	b.ReportMetric(cliTime.Seconds()/n, "s-clone-and-pull")
	b.ReportMetric(cliTime.Seconds()/xpTime.Seconds(), "clone-and-pull/x-platform")
	b.ReportMetric(float64(checkouts)/n/tree, "checkouts/trees")
	b.ReportMetric(float64(gitDirs)/n/tree, "git-dirs/trees")
	b.ReportMetric(float64(clones)/n/tree, "clones/trees")
	b.ReportMetric(float64(shallow)/n/tree, "depth1-clones/trees")
	b.ReportMetric(float64(pulled)/n, "images-pulled")
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
}
