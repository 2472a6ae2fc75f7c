package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/testenv"
	"github.com/x-platform/x-platform/internal/ui"
)

// registryBuilder stands in for a BuildKit daemon that pushes by digest to
// a real registry, as remote builds do.
type registryBuilder struct {
	*fake
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
	repo, err := name.NewRepository(imageRepo(spec.Names[0]))
	if err != nil {
		return buildkit.Result{}, err
	}
	if err := remote.Write(repo.Digest(d.String()), img, remote.WithContext(ctx)); err != nil {
		return buildkit.Result{}, err
	}
	return buildkit.Result{Digest: d.String()}, nil
}

// cutRegistry is the real registry whose tag writes fail while cut is set,
// as when the network drops right after the image's push.
type cutRegistry struct {
	*image.Registry
	cut *bool
}

func (r cutRegistry) Tag(ctx context.Context, src, tag string) error {
	if *r.cut && strings.HasPrefix(tag, "key-") {
		return errors.New("connection reset by peer")
	}
	return r.Registry.Tag(ctx, src, tag)
}

// TestIntegrationRerunAddsTagsAPushLeftOut: a run whose push stopped after
// the <sha> tag leaves the key and branch tags out; the rerun finds the
// image in the registry and adds both, by digest, without building again.
func TestIntegrationRerunAddsTagsAPushLeftOut(t *testing.T) {
	t.Parallel()
	reg := testenv.Registry(t)
	f := newFake()
	p, svcs := testPipeline(t, f, nil, "svc")
	p.RegistryPrefix = reg + "/" + testenv.UniqueName(t, "tags")
	cut := true
	real := image.NewRegistry()
	p.Registry, p.Builder = cutRegistry{real, &cut}, registryBuilder{f}
	ctx := t.Context()

	first := p.Build(ctx, svcs)[0]
	if first.Action != ui.ActionFailed {
		t.Fatalf("first run with the push cut = %+v, want failed", first)
	}
	sha, err := real.Digest(ctx, first.Image)
	if err != nil {
		t.Fatalf("the <sha> tag should be in the registry after the cut push: %v", err)
	}
	for _, tag := range []string{"key-" + first.Key, "master"} {
		if _, err := real.Digest(ctx, imageRepo(first.Image)+":"+tag); !errors.Is(err, image.ErrNotFound) {
			t.Fatalf("tag %s after the cut push: %v, want not found", tag, err)
		}
	}

	cut, f.calls = false, nil
	second := p.Build(ctx, svcs)[0]
	if second.Action == ui.ActionFailed || second.Action == ui.ActionBuilt || f.has("build") {
		t.Fatalf("rerun = %+v, calls %q; want the image taken as it is", second, f.calls)
	}
	for _, tag := range []string{"key-" + first.Key, "master"} {
		got, err := real.Digest(ctx, imageRepo(first.Image)+":"+tag)
		if err != nil || got != sha {
			t.Errorf("tag %s after the rerun = %s, %v; want %s", tag, got, err, sha)
		}
	}
}
