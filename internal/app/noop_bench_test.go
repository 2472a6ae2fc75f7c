package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// BenchmarkNoopBuild50 times `x-platform build` of 50 services when every
// image is present and no remote moved, against the same work done one
// service after the other with the git and docker command-line tools.
// The remotes are file:// paths.
func BenchmarkNoopBuild50(b *testing.B) {
	benchNoopBuild(b, nil, nil)
}

// BenchmarkNoopBuild50SSH is the same with every remote on one ssh server
// (Debian's sshd on loopback), reached through a Host alias of
// ~/.ssh/config with its IdentityFile: x-platform logs in with go-git, the
// baseline's git runs OpenSSH's ssh once per fetch.
func BenchmarkNoopBuild50SSH(b *testing.B) {
	benchNoopBuildSSH(b, 0)
}

// BenchmarkNoopBuild50SSHSlowSession is BenchmarkNoopBuild50SSH against a
// server where each session waits 300 ms before git starts, as one whose
// account's shell reads a ~/.bashrc does: what counts is how many sessions
// a run opens, and how many wait at once.
func BenchmarkNoopBuild50SSHSlowSession(b *testing.B) {
	benchNoopBuildSSH(b, 300*time.Millisecond)
}

func benchNoopBuildSSH(b *testing.B, delay time.Duration) {
	// Free sessions run their command directly: the logging script would
	// cost the server a few processes per session, which on 2 cores weighs
	// on x-platform's server-bound time far more than on the baseline's.
	var opts []testenv.SSHDOption
	if delay > 0 {
		opts = append(opts, testenv.LogSessions)
	}
	d := testenv.StartSSHD(b, opts...)
	if delay > 0 {
		d.SetSessionDelay(b, delay)
	}
	home := testenv.SSHHome(b, d, "gitserver")
	// OpenSSH's ssh reads the passwd entry's home, not HOME: the baseline
	// names the test's configuration.
	cliEnv := []string{fmt.Sprintf("GIT_SSH_COMMAND=ssh -F %s -o UserKnownHostsFile=%s",
		filepath.Join(home, ".ssh", "config"), filepath.Join(home, ".ssh", "known_hosts"))}
	benchNoopBuild(b, cliEnv, func(p *platform) {
		b.Setenv("HOME", home)
		b.Setenv("SSH_AUTH_SOCK", "")
		b.Setenv("DOCKER_CONFIG", b.TempDir())
		for name, r := range p.remotes {
			p.urls[name] = d.URL("gitserver", r)
		}
		p.writeManifest(nil)
	})
}

// benchNoopBuild runs the no-op build benchmark; remotes, when set, points
// the platform's services at other remotes than their file:// paths, and
// cliEnv is added to the baseline's environment.
func benchNoopBuild(b *testing.B, cliEnv []string, remotes func(*platform)) {
	const n = 50
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("svc%02d", i)
	}
	p := newPlatform(b, names...)
	bin := buildBinary(b)
	if remotes != nil {
		remotes(p)
	}
	manifest := filepath.Join(p.root, "x-platform.yml")
	meter := testenv.NewRSSMeter(b)
	xp := func(args ...string) (report.Report, int64) {
		b.Helper()
		cmd := exec.Command(bin, append([]string{"--file", manifest, "--output", "json", "-q"}, args...)...)
		peak := meter.Wrap(b, cmd)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			b.Fatalf("x-platform %v: %v\n%s", args, err, errOut.String())
		}
		var r report.Report
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			b.Fatalf("x-platform %v: %v", args, err)
		}
		return r, peak()
	}

	// A first build clones, builds and pushes every service.
	r, _ := xp("build")
	if !allActions(r, report.ActionBuilt) {
		b.Fatalf("set-up build failed: %+v", r.Services)
	}
	if r, _ := xp("build"); !allActions(r, report.ActionPresent) {
		b.Fatalf("set-up build was not a no-op: %+v", r.Services)
	}

	b.Run("x-platform", func(b *testing.B) {
		var peak int64
		for b.Loop() {
			r, rss := xp("build")
			if !allActions(r, report.ActionPresent) {
				b.Fatalf("no-op build did work: %+v", r.Services)
			}
			peak = max(peak, rss)
		}
		b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
	})
	b.Run("sequential-git-cli", func(b *testing.B) {
		for b.Loop() {
			for _, s := range r.Services {
				dir := filepath.Join(p.root, "src", s.Name)
				run(b, cliEnv, "git", "-C", dir, "reset", "-q", "--hard")
				run(b, cliEnv, "git", "-C", dir, "clean", "-q", "-fd")
				run(b, cliEnv, "git", "-C", dir, "fetch", "-q", "origin")
				run(b, cliEnv, "git", "-C", dir, "checkout", "-q", "origin/master")
				run(b, cliEnv, "docker", "image", "inspect", p.ref(s.Name, s.Commit))
			}
		}
	})
}

func allActions(r report.Report, want report.Action) bool {
	for _, s := range r.Services {
		if s.Action != want {
			return false
		}
	}
	return r.OK && len(r.Services) > 0
}

func run(tb testing.TB, env []string, name string, args ...string) {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// buildBinary compiles the x-platform command once for the benchmark.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "x-platform")
	cmd := exec.Command("go", "build", "-o", bin, "../..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("building x-platform: %v\n%s", err, out)
	}
	return bin
}
