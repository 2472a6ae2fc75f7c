package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
)

func TestBuildThenReuse(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	ctx := context.Background()
	first := p.Build(ctx, svcs)[0]
	ref := "reg.test/x/svc:" + f.commits[svcs[0].AbsDir]
	if first.Action != report.ActionBuilt || first.Image != ref || first.Digest == "" || first.Key == "" {
		t.Fatalf("first build = %+v", first)
	}
	for _, c := range []string{"run svc make;make test", "build " + ref, "push " + ref, "rtag " + ref + " key-" + first.Key, "rtag " + ref + " master"} {
		if !f.has(c) {
			t.Errorf("missing call %q in %q", c, f.calls)
		}
	}

	f.calls = nil
	if r := p.Build(ctx, svcs)[0]; r.Action != report.ActionPresent || r.Digest != first.Digest || f.has("build") || f.has("push") {
		t.Fatalf("second build = %+v, calls %q", r, f.calls)
	}

	// Another engine: only the registry has it, which is enough.
	delete(f.local, ref)
	delete(f.local, "reg.test/x/svc:key-"+first.Key)
	f.calls = nil
	if r := p.Build(ctx, svcs)[0]; r.Action != report.ActionFound || r.Digest != first.Digest || f.has("build") || f.has("pull") {
		t.Fatalf("registry-only build = %+v, calls %q", r, f.calls)
	}
	if _, ok := f.local[ref]; ok {
		t.Fatalf("a found image was brought into the engine: calls %q", f.calls)
	}

	// Asked to pull: the engine gets it.
	p.Pull = true
	if r := p.Build(ctx, svcs)[0]; r.Action != report.ActionPulled || r.Digest != first.Digest || !f.has("pull "+ref) {
		t.Fatalf("registry-only build with Pull = %+v, calls %q", r, f.calls)
	}
}

func TestStaleImagesAreRebuiltWithReason(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	ctx := context.Background()
	first := p.Build(ctx, svcs)[0]

	// bin/x-update-builder refreshed the builder image.
	f.local["builder:1"] = fakeImage{id: "sha256:builder2"}
	p2, _ := testPipeline(t, f, nil)
	p2.Manifest = p.Manifest
	r := p2.Build(ctx, svcs)[0]
	if r.Action != report.ActionBuilt || !strings.Contains(r.Reason, "builder image changed") || r.Key == first.Key {
		t.Fatalf("after a builder refresh = %+v", r)
	}

	// The same in the registry only: the stale remote image is not pulled.
	delete(f.local, r.Image)
	f.local["builder:1"] = fakeImage{id: "sha256:builder3"}
	p3, _ := testPipeline(t, f, nil)
	p3.Manifest = p.Manifest
	f.calls = nil
	r = p3.Build(ctx, svcs)[0]
	if r.Action != report.ActionBuilt || !strings.Contains(r.Reason, "in the registry is stale") || f.has("pull") {
		t.Fatalf("stale registry image = %+v, calls %q", r, f.calls)
	}
}

func TestReuseByKeyAcrossCommits(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	ctx := context.Background()
	first := p.Build(ctx, svcs)[0]

	// A docs-only commit: new SHA, same tree.
	next := strings.Repeat("b", 40)
	f.trees[next] = "tree-of-" + first.Commit
	f.commits[svcs[0].AbsDir] = next
	f.calls = nil
	p2, _ := testPipeline(t, f, nil)
	p2.Manifest = p.Manifest
	r := p2.Build(ctx, svcs)[0]
	if r.Action != report.ActionReused || r.Digest != first.Digest || f.has("build") || f.has("run") {
		t.Fatalf("docs-only commit = %+v, calls %q", r, f.calls)
	}
	if !f.has("rtag reg.test/x/svc:key-"+first.Key+" "+next) || !strings.Contains(r.Reason, "commit") {
		t.Fatalf("reuse did not tag the new commit: %+v %q", r, f.calls)
	}
}

func TestBranchTagNeedsSHAPush(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	ref := "reg.test/x/svc:" + f.commits[svcs[0].AbsDir]
	f.failPush[ref] = errors.New("registry down")
	got := p.Build(context.Background(), svcs)[0]
	if got.Action != report.ActionFailed || !strings.Contains(got.Error, "registry down") {
		t.Fatalf("result = %+v", got)
	}
	if f.has("rtag") {
		t.Fatalf("tags pushed although the SHA push failed: %q", f.calls)
	}
}

func TestSHAPinPushesNoName(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, func(s *manifest.Service) { s.Git.Reference = strings.Repeat("c", 40) }, "svc")
	if got := p.Build(context.Background(), svcs)[0]; got.Action != report.ActionBuilt {
		t.Fatalf("result = %+v", got)
	}
	if f.has("rtag reg.test/x/svc:" + strings.Repeat("c", 40) + " master") {
		t.Fatalf("a SHA pin pushed a branch tag: %q", f.calls)
	}
}

func TestScriptFailureStopsService(t *testing.T) {
	f := newFake()
	f.failRun["b"] = &buildkit.StepError{Line: 2, ExitCode: 3}
	p, svcs := testPipeline(t, f, nil, "b")
	got := p.Build(context.Background(), svcs)[0]
	if got.Action != report.ActionFailed || got.Error != "test script line 1 `make test` exited with code 3" {
		t.Fatalf("result = %+v", got)
	}
	if f.has("build") || f.has("push") {
		t.Fatalf("image built or pushed after a failing test: %q", f.calls)
	}
}

func TestFailureStopsScheduling(t *testing.T) {
	for _, keepGoing := range []bool{false, true} {
		f := newFake()
		f.failRun["a"] = &buildkit.StepError{Line: 1, ExitCode: 1}
		p, svcs := testPipeline(t, f, nil, "a", "b", "c")
		p.Jobs, p.KeepGoing = 1, keepGoing
		got := p.Build(context.Background(), svcs)
		want := []report.Action{report.ActionFailed, report.ActionSkipped, report.ActionSkipped}
		if keepGoing {
			want = []report.Action{report.ActionFailed, report.ActionBuilt, report.ActionBuilt}
		}
		for i, w := range want {
			if got[i].Action != w {
				t.Errorf("keepGoing=%v: %s = %q, want %q", keepGoing, got[i].Name, got[i].Action, w)
			}
		}
	}
}

func TestMissingBuilderSaysWhatToRun(t *testing.T) {
	f := newFake()
	delete(f.local, "builder:1")
	p, svcs := testPipeline(t, f, nil, "svc")
	got := p.Build(context.Background(), svcs)[0]
	if got.Action != report.ActionFailed || !strings.Contains(got.Error, "run bin/x-update-builder builder") {
		t.Fatalf("result = %+v", got)
	}
}

func TestReasonNamesWhatChangedSinceTheBranchImage(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	ctx := context.Background()
	first := p.Build(ctx, svcs)[0]
	f.commits[svcs[0].AbsDir] = strings.Repeat("d", 40)
	f.trees[strings.Repeat("d", 40)] = "another-tree"
	r := p.Build(ctx, svcs)[0]
	want := "since master (commit " + first.Commit[:12] + "): source tree changed"
	if r.Action != report.ActionBuilt || !strings.Contains(r.Reason, want) {
		t.Fatalf("reason = %q, want it to contain %q", r.Reason, want)
	}
}

func TestRemoteBuilderRefreshedElsewhereIsPulled(t *testing.T) {
	const builder = "reg.test/x/builders/tool:1"
	f := newFake()
	f.local[builder] = fakeImage{id: "sha256:old"}
	f.remote[builder] = fakeImage{id: "sha256:old", digest: "sha256:m-old"}
	p, svcs := testPipeline(t, f, func(s *manifest.Service) { s.DockerBuilder.Image = builder }, "svc")
	ctx := context.Background()
	if r := p.Build(ctx, svcs)[0]; r.Action != report.ActionBuilt {
		t.Fatalf("first build = %+v", r)
	}

	// Another machine pushed a refreshed builder under the same name.
	f.remote[builder] = fakeImage{id: "sha256:new", digest: "sha256:m-new"}
	f.calls = nil
	r := p.Build(ctx, svcs)[0]
	if r.Action != report.ActionBuilt || !strings.Contains(r.Reason, "builder image changed (old → new)") {
		t.Fatalf("after a remote builder refresh = %+v", r)
	}
	if !f.has("pull " + builder) {
		t.Fatalf("the refreshed builder was not pulled: %q", f.calls)
	}

	// Unchanged builder in the registry: nothing is pulled, nothing built.
	f.calls = nil
	if r := p.Build(ctx, svcs)[0]; r.Action != report.ActionPresent || f.has("pull") {
		t.Fatalf("no-op = %+v, calls %q", r, f.calls)
	}
}

// TestPlatformsAreInTheKey: the same commit built for another platform is
// another image, whether the manifest or --platform names it.
func TestPlatformsAreInTheKey(t *testing.T) {
	keys := map[string]bool{}
	for _, c := range []struct{ manifest, flag []string }{
		{nil, nil},
		{[]string{"linux/arm64"}, nil},
		{nil, []string{"linux/amd64"}},
	} {
		f := newFake()
		p, svcs := testPipeline(t, f, func(s *manifest.Service) { s.Docker.Platforms = c.manifest }, "svc")
		p.Platforms = c.flag
		r := p.Build(context.Background(), svcs)[0]
		if r.Action != report.ActionBuilt || keys[r.Key] {
			t.Fatalf("platforms %v / --platform %v: %+v (key seen before: %v)", c.manifest, c.flag, r, keys[r.Key])
		}
		keys[r.Key] = true
	}
}

// vanishing is a registry from which ref is deleted (as by a cleanup) right
// after it was first looked up.
type vanishing struct {
	fakeRegistry
	ref string
}

func (v vanishing) Config(ctx context.Context, ref image.Ref) (image.Config, error) {
	cfg, err := v.fakeRegistry.Config(ctx, ref)
	if ref.String() == v.ref {
		v.mu.Lock()
		delete(v.remote, v.ref)
		v.mu.Unlock()
	}
	return cfg, err
}

// TestFoundImageLeavingTheRegistry: an image found in the registry and
// deleted before its tags are completed fails the service with what to do;
// nothing is pushed or pulled in its place.
func TestFoundImageLeavingTheRegistry(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	ctx := context.Background()
	first := p.Build(ctx, svcs)[0]
	delete(f.local, first.Image)
	if err := os.RemoveAll(filepath.Join(p.Manifest.Root, ".x-platform", "pushed")); err != nil {
		t.Fatal(err)
	}
	p.Registry = vanishing{fakeRegistry{f}, first.Image}
	f.calls = nil
	r := p.Build(ctx, svcs)[0]
	if r.Action != report.ActionFailed || !strings.Contains(r.Error, "left the registry") || !strings.Contains(r.Error, "run the build again") {
		t.Fatalf("build with the found image deleted = %+v", r)
	}
	if f.has("push") || f.has("pull") || f.has("build") {
		t.Fatalf("calls %q, want no push, pull or build", f.calls)
	}
}

// TestResolveNeverPulls: what a lock reads of an image only the registry
// has is found, whatever Pull says; nothing comes into the engine.
func TestResolveNeverPulls(t *testing.T) {
	for _, pull := range []bool{false, true} {
		f := newFake()
		p, svcs := testPipeline(t, f, nil, "svc")
		ctx := context.Background()
		first := p.Build(ctx, svcs)[0]
		delete(f.local, first.Image)
		p.Pull = pull
		f.calls = nil
		if r := p.Resolve(ctx, svcs)[0]; r.Action != report.ActionFound || r.Digest != first.Digest || f.has("pull") {
			t.Fatalf("Resolve with Pull %v = %+v, calls %q", pull, r, f.calls)
		}
	}
}
