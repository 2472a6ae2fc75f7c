package pipeline

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tonistiigi/fsutil"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/docker"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/ui"
)

// fakeImage is an image in the fake engine or registry.
type fakeImage struct {
	id, digest string
	labels     map[string]string
}

// fake stands in for git, Docker and the registry so the pipeline's
// decisions can be tested alone; it records every call that changes state.
type fake struct {
	mu       sync.Mutex
	local    map[string]fakeImage
	remote   map[string]fakeImage
	calls    []string
	commits  map[string]string // service dir → commit
	trees    map[string]string // commit → tree
	failRun  map[string]error
	failPush map[string]error
	builds   int
	lookups  int // registry digest look-ups
}

func newFake() *fake {
	return &fake{
		local:   map[string]fakeImage{"builder:1": {id: "sha256:builder1"}},
		remote:  map[string]fakeImage{},
		commits: map[string]string{}, trees: map[string]string{},
		failRun: map[string]error{}, failPush: map[string]error{},
	}
}

func (f *fake) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fake) has(prefix string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			return true
		}
	}
	return false
}

func (f *fake) Fetch(_ context.Context, req gitsync.Request) (bool, error) {
	f.record("fetch %s", req.Dir)
	return true, nil
}

func (f *fake) Sync(_ context.Context, req gitsync.Request) (gitsync.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "sync "+req.Dir)
	if len(req.Reference) == 40 {
		return gitsync.Result{Commit: req.Reference, Kind: gitsync.Commit}, nil
	}
	return gitsync.Result{Commit: f.commits[req.Dir], Kind: gitsync.Branch, Name: strings.TrimPrefix(req.Reference, "origin/")}, nil
}

// Look records the look; the fake has no remote to list, so planning
// against it fails as an unreachable remote would.
func (f *fake) Look(_ context.Context, remote string, _ func(map[string]string) []string) (*gitsync.Looked, error) {
	f.record("look %s", remote)
	return nil, fmt.Errorf("listing references of %s: the fake has no remote", remote)
}

func (f *fake) TreeHash(_, commit, _ string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.trees[commit]; ok {
		return t, nil
	}
	return "tree-of-" + commit, nil
}

func (f *fake) Inspect(_ context.Context, ref string) (docker.ImageInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	img, ok := f.local[ref]
	if !ok {
		return docker.ImageInfo{}, nil
	}
	return docker.ImageInfo{Present: true, ID: img.id, Digest: img.digest, Labels: img.labels}, nil
}

func (f *fake) Pull(_ context.Context, ref string, _ io.Writer) error {
	f.record("pull %s", ref)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.local[ref] = f.remote[ref]
	return nil
}

func (f *fake) Push(_ context.Context, ref string, _ io.Writer) (string, error) {
	f.record("push %s", ref)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failPush[ref]; err != nil {
		return "", err
	}
	img := f.local[ref]
	img.digest = "sha256:d-" + img.id
	f.local[ref], f.remote[ref] = img, img
	return img.digest, nil
}

func (f *fake) Tag(_ context.Context, src, dst string) error {
	f.record("tag %s %s", src, dst)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.local[dst] = f.local[src]
	return nil
}

func (f *fake) TreeFS(_, _, _ string) (fsutil.FS, error) { return nil, nil }

// TreeFile reads the checkout's file: the fake's commits have no objects.
func (f *fake) TreeFile(dir, _, _, name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
}

// Build stands in for the engine's BuildKit: the scripts run (failRun,
// keyed by service, fails them), then the image lands in the engine.
func (f *fake) Build(_ context.Context, spec *buildkit.Spec) (buildkit.Result, error) {
	if len(spec.Lines) > 0 {
		f.record("run %s %s", spec.Name, strings.Join(spec.Lines, ";"))
	}
	if err := f.failRun[spec.Name]; err != nil {
		return buildkit.Result{}, err
	}
	f.record("build %s %v", spec.Names[0], spec.BuildArgs)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.builds++
	img := fakeImage{id: fmt.Sprintf("sha256:img%d", f.builds), labels: maps.Clone(spec.Labels)}
	for _, t := range spec.Names {
		f.local[t] = img
	}
	return buildkit.Result{}, nil
}

func (f *fake) Digest(_ context.Context, ref image.Ref) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if img, ok := f.remote[ref.String()]; ok {
		return img.digest, nil
	}
	return "", image.ErrNotFound
}

func (f *fake) Config(_ context.Context, ref image.Ref) (image.Config, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if img, ok := f.remote[ref.String()]; ok {
		return image.Config{Digest: img.digest, ID: img.id, Labels: img.labels}, nil
	}
	return image.Config{}, image.ErrNotFound
}

// RegistryTag is the registry-side Tag; the fake keeps one method set per
// role, so the registry is a thin view onto the same state.
type fakeRegistry struct{ *fake }

func (r fakeRegistry) Tag(_ context.Context, src image.Ref, tag string) error {
	r.record("rtag %s %s", src, tag)
	r.mu.Lock()
	defer r.mu.Unlock()
	img, ok := r.remote[src.String()]
	if !ok {
		return image.ErrNotFound
	}
	r.remote[src.WithTag(tag).String()] = img
	return nil
}

// testPipeline makes a pipeline over services whose checkouts are real
// folders holding a Dockerfile; edit may change a service before use.
func testPipeline(t *testing.T, f *fake, edit func(*manifest.Service), names ...string) (*Pipeline, []*manifest.Service) {
	t.Helper()
	root := t.TempDir()
	m := &manifest.Manifest{Root: root}
	for _, n := range names {
		s := &manifest.Service{
			Name: n, Dir: "src/" + n, AbsDir: filepath.Join(root, "src", n),
			Git:           manifest.Git{Remote: "r", URL: "r", Reference: "origin/master"},
			DockerBuilder: manifest.Builder{Image: "builder:1", Workdir: "/w"},
			Docker:        manifest.Docker{Image: n, Dockerfile: "Dockerfile", Context: "."},
			Scripts:       manifest.Scripts{Build: []string{"make"}, Test: []string{"make test"}},
		}
		if edit != nil {
			edit(s)
		}
		if err := os.MkdirAll(s.SourceDir(), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(s.SourceDir(), "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, ok := f.commits[s.AbsDir]; !ok {
			f.commits[s.AbsDir] = strings.Repeat("a", 39) + fmt.Sprint(len(f.commits)%10)
		}
		m.Services = append(m.Services, s)
	}
	return &Pipeline{
		Git: f, Images: f, Builder: f, Registry: fakeRegistry{f},
		Progress: ui.NewProgress(io.Discard, ui.Normal), Manifest: m,
		RegistryPrefix: "reg.test/x", Jobs: 2, User: "1:1",
	}, m.Services
}

func byName(results []report.ServiceResult) map[string]report.ServiceResult {
	out := map[string]report.ServiceResult{}
	for _, r := range results {
		out[r.Name] = r
	}
	return out
}
