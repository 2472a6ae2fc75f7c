package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/x-platform/x-platform/internal/docker"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/ui"
)

// fakeEngine records calls; it stands in for Docker and the registry so the
// pipeline's decisions can be tested without them.
type fakeEngine struct {
	mu       sync.Mutex
	local    map[string]bool
	remote   map[string]string
	calls    []string
	failRun  map[string]error
	failPush map[string]error
}

func newFake() *fakeEngine {
	return &fakeEngine{local: map[string]bool{"builder:1": true}, remote: map[string]string{}, failRun: map[string]error{}, failPush: map[string]error{}}
}

func (f *fakeEngine) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeEngine) Local(_ context.Context, ref string) (bool, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.local[ref] {
		return false, "", nil
	}
	return true, f.remote[ref], nil
}

func (f *fakeEngine) Pull(_ context.Context, ref string, _ io.Writer) error {
	f.record("pull %s", ref)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.local[ref] = true
	return nil
}

func (f *fakeEngine) Push(_ context.Context, ref string, _ io.Writer) (string, error) {
	f.record("push %s", ref)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failPush[ref]; err != nil {
		return "", err
	}
	f.remote[ref] = "sha256:" + strings.Repeat("d", 64)
	return f.remote[ref], nil
}

func (f *fakeEngine) Tag(_ context.Context, src, dst string) error {
	f.record("tag %s %s", src, dst)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.local[dst] = true
	return nil
}

func (f *fakeEngine) Run(_ context.Context, spec docker.RunSpec) error {
	f.record("run %s %s", spec.Name, strings.Join(spec.Lines, ";"))
	return f.failRun[spec.Name]
}

func (f *fakeEngine) Build(_ context.Context, spec docker.BuildSpec) (string, error) {
	f.record("build %s", strings.Join(spec.Tags, ","))
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range spec.Tags {
		f.local[t] = true
	}
	return "sha256:id", nil
}

func (f *fakeEngine) Digest(_ context.Context, ref string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.remote[ref]; ok {
		return d, nil
	}
	return "", image.ErrNotFound
}

func (f *fakeEngine) has(call string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c == call {
			return true
		}
	}
	return false
}

var shaA = strings.Repeat("a", 40)

func testPipeline(f *fakeEngine, kind gitsync.RefKind, name string, services ...string) (*Pipeline, []*manifest.Service) {
	m := &manifest.Manifest{Root: "/p"}
	for _, n := range services {
		m.Services = append(m.Services, &manifest.Service{
			Name: n, Dir: "src/" + n, AbsDir: "/p/src/" + n,
			Git:           manifest.Git{Remote: "r", URL: "r", Reference: "origin/" + name},
			DockerBuilder: manifest.Builder{Image: "builder:1", Workdir: "/w"},
			Docker:        manifest.Docker{Image: n, Dockerfile: "Dockerfile", Context: "."},
			Scripts:       manifest.Scripts{Build: []string{"make"}, Test: []string{"make test"}},
		})
	}
	sync := func(context.Context, gitsync.Request) (gitsync.Result, error) {
		return gitsync.Result{Commit: shaA, Kind: kind, Name: name}, nil
	}
	return &Pipeline{
		Git: SyncFunc(sync), Images: f, Builder: f, Registry: f,
		Progress: ui.NewProgress(io.Discard, ui.Normal), Manifest: m,
		RegistryPrefix: "reg.test/x", Jobs: 2, User: "1:1",
	}, m.Services
}

func TestBuildActions(t *testing.T) {
	ref := "reg.test/x/svc:" + shaA
	tests := []struct {
		name     string
		setup    func(f *fakeEngine)
		want     ui.Action
		calls    []string
		notCalls []string
	}{
		{
			name:  "present locally and pushed before",
			setup: func(f *fakeEngine) { f.local[ref] = true; f.remote[ref] = "sha256:1" },
			want:  ui.ActionPresent, notCalls: []string{"build " + ref, "push " + ref},
		},
		{
			name:  "present locally but never pushed",
			setup: func(f *fakeEngine) { f.local[ref] = true },
			want:  ui.ActionPresent, calls: []string{"push " + ref}, notCalls: []string{"build " + ref},
		},
		{
			name:  "in the registry only",
			setup: func(f *fakeEngine) { f.remote[ref] = "sha256:1" },
			want:  ui.ActionPulled, calls: []string{"pull " + ref}, notCalls: []string{"build " + ref},
		},
		{
			name:  "nowhere",
			setup: func(*fakeEngine) {},
			want:  ui.ActionBuilt,
			calls: []string{"run xp-svc make;make test", "build " + ref, "push " + ref, "tag " + ref + " reg.test/x/svc:feature-x", "push reg.test/x/svc:feature-x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			tt.setup(f)
			p, svcs := testPipeline(f, gitsync.Branch, "feature/x", "svc")
			got := p.Build(context.Background(), svcs)
			if got[0].Action != tt.want || got[0].Error != "" {
				t.Fatalf("action = %q (%s), want %q", got[0].Action, got[0].Error, tt.want)
			}
			if got[0].Image != ref || got[0].Commit != shaA || got[0].Digest == "" {
				t.Errorf("result = %+v", got[0])
			}
			for _, c := range tt.calls {
				if !f.has(c) {
					t.Errorf("missing call %q in %q", c, f.calls)
				}
			}
			for _, c := range tt.notCalls {
				if f.has(c) {
					t.Errorf("unexpected call %q", c)
				}
			}
		})
	}
}

func TestBranchTagNeedsSHAPush(t *testing.T) {
	f := newFake()
	ref := "reg.test/x/svc:" + shaA
	f.failPush[ref] = errors.New("registry down")
	p, svcs := testPipeline(f, gitsync.Branch, "master", "svc")
	got := p.Build(context.Background(), svcs)
	if got[0].Action != ui.ActionFailed || !strings.Contains(got[0].Error, "registry down") {
		t.Fatalf("result = %+v", got[0])
	}
	if f.has("push reg.test/x/svc:master") {
		t.Fatal("branch tag pushed although the SHA push failed")
	}
}

func TestSHAPinPushesOnlySHA(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(f, gitsync.Commit, "", "svc")
	if got := p.Build(context.Background(), svcs); got[0].Action != ui.ActionBuilt {
		t.Fatalf("result = %+v", got[0])
	}
	pushes := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, "push ") {
			pushes++
		}
	}
	if pushes != 1 {
		t.Fatalf("pushes = %d, want 1: %q", pushes, f.calls)
	}
}

func TestScriptFailureStopsService(t *testing.T) {
	f := newFake()
	f.failRun["xp-b"] = &docker.ScriptError{Line: "make test", Index: 2, ExitCode: 3}
	p, svcs := testPipeline(f, gitsync.Branch, "master", "b")
	got := p.Build(context.Background(), svcs)
	if got[0].Action != ui.ActionFailed || got[0].Error != "test script line 1 `make test` exited with code 3" {
		t.Fatalf("result = %+v", got[0])
	}
	if f.has("build reg.test/x/b:" + shaA) {
		t.Fatal("image built after a failing test")
	}
}

func TestFailureStopsScheduling(t *testing.T) {
	for _, keepGoing := range []bool{false, true} {
		f := newFake()
		f.failRun["xp-a"] = &docker.ScriptError{Line: "make", Index: 1, ExitCode: 1}
		p, svcs := testPipeline(f, gitsync.Branch, "master", "a", "b", "c")
		p.Jobs, p.KeepGoing = 1, keepGoing
		got := p.Build(context.Background(), svcs)
		want := []ui.Action{ui.ActionFailed, ui.ActionSkipped, ui.ActionSkipped}
		if keepGoing {
			want = []ui.Action{ui.ActionFailed, ui.ActionBuilt, ui.ActionBuilt}
		}
		for i, w := range want {
			if got[i].Action != w {
				t.Errorf("keepGoing=%v: %s action = %q, want %q", keepGoing, got[i].Name, got[i].Action, w)
			}
		}
	}
}

func TestMissingBuilderSaysWhatToRun(t *testing.T) {
	f := newFake()
	delete(f.local, "builder:1")
	p, svcs := testPipeline(f, gitsync.Branch, "master", "svc")
	got := p.Build(context.Background(), svcs)
	if got[0].Action != ui.ActionFailed || !strings.Contains(got[0].Error, "run bin/x-update-builder builder") {
		t.Fatalf("result = %+v", got[0])
	}
}
