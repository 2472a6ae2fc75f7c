package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/retry"
	"github.com/x-platform/x-platform/internal/testenv"
)

// registryBuilder stands in for a BuildKit daemon that pushes by digest to
// a real registry, as remote builds do; it reaches the registry directly
// (to, in place of the fault proxy's address via).
type registryBuilder struct {
	*fake
	via, to string
}

func (b registryBuilder) Build(ctx context.Context, spec *buildkit.Spec) (buildkit.Result, error) {
	b.record("build %s", spec.Names[0])
	img, err := random.Image(256, 1)
	if err != nil {
		return buildkit.Result{}, err
	}
	if img, err = mutate.Config(img, v1.Config{Labels: spec.Labels}); err != nil {
		return buildkit.Result{}, err
	}
	d, err := img.Digest()
	if err != nil {
		return buildkit.Result{}, err
	}
	repo, err := name.NewRepository(strings.Replace(image.Cut(spec.Names[0]).Repository(), b.via, b.to, 1))
	if err != nil {
		return buildkit.Result{}, err
	}
	if err := remote.Write(repo.Digest(d.String()), img, remote.WithContext(ctx)); err != nil {
		return buildkit.Result{}, err
	}
	return buildkit.Result{Digest: d.String()}, nil
}

// TestIntegrationRerunAddsTagsAPushLeftOut: a run whose push is cut after
// the <sha> tag (the registry answers 503 to the key tag's write) leaves the
// key and branch tags out; the rerun finds the image in the registry and
// adds both, by digest, without building again.
func TestIntegrationRerunAddsTagsAPushLeftOut(t *testing.T) {
	t.Parallel()
	reg := testenv.Registry(t)
	fault := testenv.StartHTTPFault(t, reg)
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	p.RegistryPrefix = fault.Addr + "/" + testenv.UniqueName(t, "tags")
	p.Registry = image.NewRegistry(image.WithPolicy(retry.Policy{Idle: 5 * time.Second, Backoff: 10 * time.Millisecond}))
	p.Builder = registryBuilder{f, fault.Addr, reg}
	ctx := t.Context()

	fault.FailMatching("PUT /v2"+strings.TrimPrefix(p.RegistryPrefix, fault.Addr)+"/svc/manifests/key-", 1000)
	first := p.Build(ctx, svcs)[0]
	fault.Clear()
	if first.Action != report.ActionFailed || !strings.Contains(first.Error, "503") {
		t.Fatalf("first run with the push cut = %+v, want failed with the 503", first)
	}
	direct := image.NewRegistry()
	repo := image.Repo(strings.Replace(image.Cut(first.Image).Repository(), fault.Addr, reg, 1))
	sha, err := direct.Digest(ctx, repo.WithTag(image.Cut(first.Image).Tag()))
	if err != nil {
		t.Fatalf("the <sha> tag should be in the registry after the cut push: %v", err)
	}
	for _, tag := range []string{"key-" + first.Key, "master"} {
		if _, err := direct.Digest(ctx, repo.WithTag(tag)); !errors.Is(err, image.ErrNotFound) {
			t.Fatalf("tag %s after the cut push: %v, want not found", tag, err)
		}
	}

	f.calls = nil
	second := p.Build(ctx, svcs)[0]
	if second.Action == report.ActionFailed || second.Action == report.ActionBuilt || f.has("build") {
		t.Fatalf("rerun = %+v, calls %q; want the image taken as it is", second, f.calls)
	}
	for _, tag := range []string{"key-" + first.Key, "master"} {
		got, err := direct.Digest(ctx, repo.WithTag(tag))
		if err != nil || got != sha {
			t.Errorf("tag %s after the rerun = %s, %v; want %s", tag, got, err, sha)
		}
	}
}
