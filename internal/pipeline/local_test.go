package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/report"
)

// specs records the build specs a fake build was given.
type specs struct {
	*fake
	got []*buildkit.Spec
}

func (s *specs) Build(ctx context.Context, spec *buildkit.Spec) (buildkit.Result, error) {
	s.got = append(s.got, spec)
	return s.fake.Build(ctx, spec)
}

func localFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM scratch\n", "main.go": "package main // changed\n", ".git/HEAD": "x"})
	return dir
}

func TestBuildLocalPushesOnlyTheDirtyTag(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "zbackend")
	rec := &specs{fake: f}
	p.Builder = rec
	dir := localFolder(t)
	p.Local = map[string]string{"zbackend": dir}
	p.Signer = &fakeSigner{}

	r := p.Build(context.Background(), svcs)[0]
	if r.Action != report.ActionBuilt {
		t.Fatalf("action = %s (%s), want built", r.Action, r.Error)
	}
	hash, err := ContentHash(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "reg.test/x/zbackend:" + image.LocalTag(hash)
	if r.Image != want || r.Reference != "local:"+dir || r.Commit != "" || r.Digest == "" {
		t.Errorf("result = %+v, want image %s, reference local:%s, no commit, a digest", r, want, dir)
	}
	for ref := range f.remote {
		if ref != want {
			t.Errorf("registry holds %s; only %s may be pushed", ref, want)
		}
	}
	if f.has("sync ") || f.has("fetch ") || f.has("rtag ") {
		t.Errorf("the checkout was synced or other tags written: %v", f.calls)
	}
	if len(rec.got) != 1 {
		t.Fatalf("%d builds, want 1", len(rec.got))
	}
	spec := rec.got[0]
	if spec.CacheTo != "" || len(spec.Names) != 1 || spec.Labels[LabelLocal] != image.LocalTag(hash) || spec.Labels["org.opencontainers.image.revision"] != "" {
		t.Errorf("spec: cacheTo %q names %v labels %v", spec.CacheTo, spec.Names, spec.Labels)
	}
	if _, err := os.Stat(filepath.Join(p.Manifest.Root, ".x-platform", "pushed", "zbackend")); !os.IsNotExist(err) {
		t.Errorf("a pushed record was written: %v", err)
	}
	if s := p.Signer.(*fakeSigner); len(s.signs) != 1 || !strings.HasPrefix(s.signs[0], want) || s.provs[0].Commit != "" {
		t.Errorf("signed %v, want %s", s.signs, want)
	}
}

func TestBuildLocalReusesTheFoldersImage(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "zbackend")
	p.Local = map[string]string{"zbackend": localFolder(t)}
	if r := p.Build(context.Background(), svcs)[0]; r.Action != report.ActionBuilt {
		t.Fatalf("first build: %s %s", r.Action, r.Error)
	}
	r := p.Build(context.Background(), svcs)[0]
	if r.Action != report.ActionReused || f.builds != 1 {
		t.Errorf("second build: action %s after %d builds, want reused after 1", r.Action, f.builds)
	}
	writeFiles(t, p.Local["zbackend"], map[string]string{"main.go": "package main // changed again\n"})
	if r := p.Build(context.Background(), svcs)[0]; r.Action != report.ActionBuilt || f.builds != 2 {
		t.Errorf("after a change: action %s after %d builds, want built after 2", r.Action, f.builds)
	}
}

// A committed build never takes a folder's image, nor the other way round.
func TestBuildLocalAndCommittedDoNotShareImages(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "zbackend")
	p.Local = map[string]string{"zbackend": localFolder(t)}
	p.Build(context.Background(), svcs)
	p.Local = nil
	if r := p.Build(context.Background(), svcs)[0]; r.Action != report.ActionBuilt || strings.Contains(r.Image, "dirty-") {
		t.Errorf("committed build after a local one: %s %s", r.Action, r.Image)
	}
	p.Local = map[string]string{"zbackend": localFolder(t)}
	if r := p.Build(context.Background(), svcs)[0]; r.Action != report.ActionReused || !strings.Contains(r.Image, "dirty-") {
		t.Errorf("local build after a committed one: %s %s", r.Action, r.Image)
	}
}
