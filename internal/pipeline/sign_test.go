package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/x-platform/x-platform/internal/cachekey"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
)

// fakeSigner records what it is asked to sign.
type fakeSigner struct {
	mu    sync.Mutex
	id    string
	fail  error
	signs []string // ref@digest
	provs []Provenance
}

var _ Signer = (*fakeSigner)(nil)

func (s *fakeSigner) Sign(_ context.Context, ref image.Ref, digest string, prov Provenance) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signs = append(s.signs, ref.String()+"@"+digest)
	s.provs = append(s.provs, prov)
	if s.fail != nil {
		// As sign.Signer does, the signer names what it signs.
		return fmt.Errorf("signing %s@%s: %w", ref, digest, s.fail)
	}
	return nil
}

func (s *fakeSigner) Identity() string { return s.id }

func TestBuildSignsFinalImages(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	signer := &fakeSigner{id: "key1"}
	p.Signer = signer
	ctx := context.Background()

	built := p.Build(ctx, svcs)[0]
	if built.Action != report.ActionBuilt {
		t.Fatalf("build = %+v", built)
	}
	if want := built.Image + "@" + built.Digest; len(signer.signs) != 1 || signer.signs[0] != want {
		t.Fatalf("signed %q, want only %q", signer.signs, want)
	}
	prov := signer.provs[0]
	if prov.Service != "svc" || prov.Commit != built.Commit || prov.Key != built.Key || prov.Reference != svcs[0].Git.Reference ||
		prov.Builder != "builder:1" || prov.BuilderDigest != "sha256:builder1" || prov.KeyParts["io.x-platform.key.builder"] != "sha256:builder1" {
		t.Errorf("provenance = %+v", prov)
	}
	if _, ok := prov.KeyParts[cachekey.LabelKey]; ok {
		t.Errorf("key parts carry the key itself: %v", prov.KeyParts)
	}

	// A no-op rerun trusts its record, which says the image was signed.
	if r := p.Build(ctx, svcs)[0]; r.Action != report.ActionPresent || len(signer.signs) != 1 {
		t.Fatalf("no-op rerun = %+v, signed %q", r, signer.signs)
	}
	// Another key: the record no longer fits, so the image is signed with it.
	signer.id = "key2"
	if r := p.Build(ctx, svcs)[0]; r.Action != report.ActionPresent || len(signer.signs) != 2 {
		t.Fatalf("rerun with another key = %+v, signed %q", r, signer.signs)
	}
}

func TestSigningFailureFailsTheService(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	p.Signer = &fakeSigner{id: "k", fail: errors.New("signing reg.test/x/svc@sha256:1: registry said no")}
	r := p.Build(context.Background(), svcs)[0]
	if r.Action != report.ActionFailed || !strings.Contains(r.Error, "registry said no") {
		t.Fatalf("build with a failing signer = %+v", r)
	}
	// Nothing was recorded as done: the next run signs again.
	p.Signer = &fakeSigner{id: "k"}
	if r := p.Build(context.Background(), svcs)[0]; r.Action == report.ActionFailed || len(p.Signer.(*fakeSigner).signs) != 1 {
		t.Fatalf("rerun = %+v", r)
	}
}

func TestUpdateBuilderSignsWhatItPushes(t *testing.T) {
	f := newFake()
	p, _ := testPipeline(t, f, func(s *manifest.Service) { s.DockerBuilder.Image = "reg.test/b/go:1" }, "svc")
	dir := filepath.Join(p.Manifest.Root, "builders", "go")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	signer := &fakeSigner{id: "k"}
	p.Signer = signer
	if _, err := p.UpdateBuilders(context.Background(), []string{"go"}, nil); err != nil {
		t.Fatal(err)
	}
	digest, err := f.Digest(context.Background(), image.Cut("reg.test/b/go:1"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "reg.test/b/go:1@" + digest; len(signer.signs) != 1 || signer.signs[0] != want {
		t.Fatalf("signed %q, want only %q", signer.signs, want)
	}
	if prov := signer.provs[0]; prov.Service != "builders/go" || prov.Path != "builders/go" || prov.Commit != "" {
		t.Errorf("provenance = %+v", prov)
	}

	signer.fail = errors.New("registry said no")
	res, err := p.UpdateBuilders(context.Background(), []string{"go"}, nil)
	if err != nil || len(res) != 1 || res[0].Action != report.ActionFailed || !strings.HasPrefix(res[0].Error, "signing reg.test/b/go:1@") || strings.Count(res[0].Error, "signing") != 1 {
		t.Errorf("update-builder with a failing signer: %+v, %v", res, err)
	}
}
