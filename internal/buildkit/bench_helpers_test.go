package buildkit_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tonistiigi/fsutil"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/testenv"
)

// tree writes files into a fresh folder and serves it as a build's source.
func tree(tb testing.TB, files map[string]string) fsutil.FS {
	tb.Helper()
	dir := tb.TempDir()
	writeTree(tb, dir, files)
	fs, err := fsutil.NewFS(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return fs
}

func writeTree(tb testing.TB, dir string, files map[string]string) {
	tb.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// readTree reads the files of dir, not its subfolders, as tree takes them.
func readTree(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		files[e.Name()] = string(body)
	}
	return files
}

// benchDaemon starts a buildkitd on a unix socket that reaches reg over
// plain HTTP and runs jobs builds at once.
func benchDaemon(tb testing.TB, reg string, jobs int) (*buildkit.Daemon, *testenv.Buildkitd) {
	tb.Helper()
	b := testenv.StartBuildkitd(tb, testenv.BuildkitdOptions{InsecureRegistries: []string{reg}})
	return &buildkit.Daemon{Endpoint: buildkit.Endpoint{Address: b.Addr, Jobs: jobs}}, b
}

// stepDuration is how long step ran, from the plain progress's "#N DONE
// 1.2s" line of its vertex; false when the step was cached or never ran.
func stepDuration(log, step string) (time.Duration, bool) {
	lines := strings.Split(log, "\n")
	id := ""
	for _, l := range lines {
		if strings.HasPrefix(l, "#") && strings.Contains(l, step) {
			id = strings.Fields(l)[0]
			break
		}
	}
	if id == "" {
		return 0, false
	}
	var d time.Duration
	found := false
	for _, l := range lines {
		rest, ok := strings.CutPrefix(l, id+" DONE ")
		if !ok {
			continue
		}
		if v, err := time.ParseDuration(strings.TrimSpace(rest)); err == nil {
			d, found = v, true
		}
	}
	return d, found
}

// timedBuild builds spec on d with its progress in a buffer of its own,
// failing the benchmark on an error, and says how long the build took.
func timedBuild(b *testing.B, ctx context.Context, d builder, spec *buildkit.Spec) (time.Duration, buildkit.Result, string) {
	b.Helper()
	var log bytes.Buffer
	spec.Log = &log
	start := time.Now()
	res, err := d.Build(ctx, spec)
	took := time.Since(start)
	if err != nil {
		b.Fatalf("building %s: %v\n%s", spec.Name, err, log.String())
	}
	return took, res, log.String()
}

// builder is a Daemon or a Pool.
type builder interface {
	Build(ctx context.Context, spec *buildkit.Spec) (buildkit.Result, error)
}

// hostGo is a copy of the example built on this machine with caches of
// its own, the flags of the builder image and the same build line.
type hostGo struct {
	dir string
	env []string
}

func newHostGo(b *testing.B, files map[string]string) *hostGo {
	h := &hostGo{dir: b.TempDir()}
	writeTree(b, h.dir, files)
	caches := b.TempDir()
	h.env = append(os.Environ(), "XP_COMMIT=bench", "GOFLAGS=-mod=mod", "CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOWORK=off",
		"GOCACHE="+filepath.Join(caches, "gocache"), "GOMODCACHE="+filepath.Join(caches, "mod"))
	return h
}

func (h *hostGo) build(b *testing.B) time.Duration {
	cmd := exec.CommandContext(b.Context(), "sh", "-c", zbackendBuild)
	cmd.Dir, cmd.Env = h.dir, h.env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err != nil {
		b.Fatalf("go build on the host: %v\n%s", err, out)
	}
	return took
}

// fromCache says whether step, a RUN that prints out and takes at least
// took, came from a cache rather than running. cachedStep alone is not
// enough: when a step's result comes from the registry cache and its layer
// must be pulled for the next step, the pull's progress is the vertex's last
// update, and the plain progress then ends it with "DONE 0.1s", not CACHED.
func fromCache(log, step, out string, took time.Duration) bool {
	if printed(log, out) {
		return false
	}
	if cachedStep(log, step) {
		return true
	}
	d, ok := stepDuration(log, step)
	return ok && d < took
}

// printed says whether a step printed line, as the plain progress shows a
// step's output: "#12 0.153 line".
func printed(log, line string) bool {
	for _, l := range strings.Split(log, "\n") {
		f := strings.SplitN(l, " ", 3)
		if len(f) != 3 || !strings.HasPrefix(f[0], "#") {
			continue
		}
		if _, err := strconv.ParseFloat(f[1], 64); err == nil && f[2] == line {
			return true
		}
	}
	return false
}
