package docker_test

import (
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/testenv"
)

func TestIntegrationPushPull(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	reg := testenv.Registry(t)
	ref := image.Name(reg, f.unique, "0123456789abcdef0123456789abcdef01234567")

	baseID, ok, err := f.engine.Exists(ctx, f.base)
	if err != nil || !ok {
		t.Fatalf("Exists(%s) = %v, %v", f.base, ok, err)
	}
	if err := f.engine.Tag(ctx, f.base, ref); err != nil {
		t.Fatal(err)
	}
	f.removeImageLater(t, ref)

	var pushLog strings.Builder
	digest, err := f.engine.Push(ctx, ref, &pushLog)
	if err != nil {
		t.Fatalf("Push: %v\n%s", err, pushLog.String())
	}
	if !strings.HasPrefix(digest, "sha256:") {
		t.Errorf("push digest = %q", digest)
	}
	if strings.Contains(pushLog.String(), "=>") {
		t.Errorf("push log holds progress bars:\n%s", pushLog.String())
	}
	remote, err := image.NewRegistry().Digest(ctx, image.Cut(ref))
	if err != nil {
		t.Fatal(err)
	}
	if remote != digest {
		t.Errorf("registry digest = %s, push digest = %s", remote, digest)
	}
	local, err := f.engine.RepoDigest(ctx, ref)
	if err != nil || local != digest {
		t.Errorf("RepoDigest = %q, %v; want %s", local, err, digest)
	}

	if err := f.engine.Remove(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := f.engine.Exists(ctx, ref); err != nil || ok {
		t.Fatalf("after Remove, Exists = %v, %v", ok, err)
	}
	if _, ok, _ := f.engine.Exists(ctx, f.base); !ok {
		t.Fatal("Remove of a second name deleted the base image")
	}

	var pullLog strings.Builder
	if err := f.engine.Pull(ctx, ref, &pullLog); err != nil {
		t.Fatalf("Pull: %v\n%s", err, pullLog.String())
	}
	id, ok, err := f.engine.Exists(ctx, ref)
	if err != nil || !ok || id != baseID {
		t.Errorf("after Pull, Exists = %q, %v, %v; want %s", id, ok, err, baseID)
	}
	if !strings.Contains(pullLog.String(), "Digest: "+digest) {
		t.Errorf("pull log lacks the digest:\n%s", pullLog.String())
	}
}

func TestIntegrationMissingImages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	reg := testenv.Registry(t)
	missing := image.Name(reg, f.unique, "absent")

	if id, ok, err := f.engine.Exists(ctx, missing); err != nil || ok || id != "" {
		t.Errorf("Exists(%s) = %q, %v, %v", missing, id, ok, err)
	}
	if err := f.engine.Remove(ctx, missing); err != nil {
		t.Errorf("Remove(%s) = %v, want nil", missing, err)
	}
	if err := f.engine.Pull(ctx, missing, nil); err == nil {
		t.Errorf("Pull(%s) succeeded", missing)
	}
	if _, err := f.engine.Push(ctx, missing, nil); err == nil {
		t.Errorf("Push(%s) succeeded", missing)
	}
}
