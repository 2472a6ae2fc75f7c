package deploy

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
)

// countingRegistry counts the look-ups made of it.
type countingRegistry struct {
	registry
	n atomic.Int32
}

func (r *countingRegistry) Digest(ctx context.Context, ref image.Ref) (string, error) {
	r.n.Add(1)
	return r.registry.Digest(ctx, ref)
}

func localEnv(protected bool, reg DigestLookup) *Environment {
	m := &manifest.Manifest{Registry: "reg.example.com/x"}
	for _, n := range []string{"a", "b"} {
		m.Services = append(m.Services, &manifest.Service{Name: n, Dir: "src/" + n, Git: manifest.Git{Reference: "origin/master"}, Docker: manifest.Docker{Image: "img-" + n}})
	}
	return &Environment{
		Manifest: m, Name: "dev", Settings: manifest.Environment{Name: "dev", Protected: protected},
		Images:  reg,
		Commits: func(s *manifest.Service) (string, error) { return strings.Repeat(s.Name, 40), nil },
		Local:   map[string]LocalFolder{"a": {Dir: "/home/me/a", Tag: "dirty-0123456789abcdef"}},
	}
}

func TestResolveLocal(t *testing.T) {
	t.Parallel()
	reg := registry{
		"reg.example.com/x/img-a:dirty-0123456789abcdef":     "sha256:dirty",
		"reg.example.com/x/img-b:" + strings.Repeat("b", 40): "sha256:bbb",
	}
	e := localEnv(false, reg)
	got, err := e.Resolve(t.Context(), e.Manifest.Services)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" {
		t.Fatalf("Resolve = %+v, want a then b", got)
	}
	want := release.Service{Name: "a", Reference: "local:/home/me/a", Tag: "dirty-0123456789abcdef",
		Image: image.Cut("reg.example.com/x/img-a:dirty-0123456789abcdef"), Digest: "sha256:dirty"}
	if got[0].Service != want || !IsLocal(got[0].Service) || IsLocal(got[1].Service) {
		t.Errorf("local version = %+v, want %+v (IsLocal %v, %v)", got[0].Service, want, IsLocal(got[0].Service), IsLocal(got[1].Service))
	}
	if pin := got[0].Pin(); pin != (render.Image{Name: "img-a", NewName: "reg.example.com/x/img-a", Tag: "dirty-0123456789abcdef", Digest: "sha256:dirty"}) {
		t.Errorf("Pin = %+v", pin)
	}
}

func TestResolveLocalMissing(t *testing.T) {
	t.Parallel()
	e := localEnv(false, registry{})
	_, err := e.Resolve(t.Context(), e.Manifest.Services[:1])
	var me *MissingImagesError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "build it first with x-platform build --local a=/home/me/a") {
		t.Errorf("err = %v, want a missing image saying how to build it", err)
	}
	if IsConfigError(err) {
		t.Error("a missing image is not a configuration error")
	}
}

func TestResolveLocalProtected(t *testing.T) {
	t.Parallel()
	reg := &countingRegistry{registry: registry{}}
	e := localEnv(true, reg)
	_, err := e.Resolve(t.Context(), e.Manifest.Services)
	var pe *ProtectedError
	if !errors.As(err, &pe) || !IsConfigError(err) || pe.Services[0] != "a" {
		t.Fatalf("err = %v, want a protected-environment configuration error", err)
	}
	if n := reg.n.Load(); n != 0 {
		t.Errorf("%d registry look-ups before refusing", n)
	}
	// Without local folders a protected environment deploys as before.
	e.Local = nil
	reg.registry["reg.example.com/x/img-a:"+strings.Repeat("a", 40)] = "sha256:aaa"
	if _, err := e.Resolve(t.Context(), e.Manifest.Services[:1]); err != nil {
		t.Errorf("committed versions in a protected environment: %v", err)
	}
}

func TestRefuseLocalKeptByAProtectedEnvironment(t *testing.T) {
	t.Parallel()
	kept := Version{Service: release.Service{Name: "b", Reference: "local:/home/me/b", Commit: "dirty-0123456789abcdef"}}
	committed := Version{Service: release.Service{Name: "a", Reference: "origin/master", Commit: strings.Repeat("a", 40)}}
	e := localEnv(true, registry{})
	var pe *ProtectedError
	if err := e.refuseLocal([]Version{committed, kept}); !errors.As(err, &pe) || pe.Services[0] != "b" || !IsConfigError(err) {
		t.Errorf("refuseLocal = %v, want b refused", err)
	}
	if err := e.refuseLocal([]Version{committed}); err != nil {
		t.Errorf("committed versions refused: %v", err)
	}
	e.Settings.Protected = false
	if err := e.refuseLocal([]Version{kept}); err != nil {
		t.Errorf("unprotected environment refused a local version: %v", err)
	}
	// An environment that requires signatures refuses it too: its
	// provenance names no commit to check the release against.
	e.Settings.RequireSignatures = true
	if err := e.refuseLocal([]Version{kept}); !errors.As(err, &pe) || !pe.Signatures || !IsConfigError(err) || !strings.Contains(err.Error(), "requires signatures") {
		t.Errorf("refuseLocal where signatures are required = %v, want b refused", err)
	}
}

func TestResolveLocalWhereSignaturesAreRequired(t *testing.T) {
	t.Parallel()
	reg := &countingRegistry{registry: registry{}}
	e := localEnv(false, reg)
	e.Settings.RequireSignatures = true
	_, err := e.Resolve(t.Context(), e.Manifest.Services)
	var pe *ProtectedError
	if !errors.As(err, &pe) || !pe.Signatures || !IsConfigError(err) || !strings.Contains(err.Error(), "environment "+e.Name+" requires signatures: it takes no image built from a working folder (a") {
		t.Fatalf("err = %v, want a configuration error naming the requirement", err)
	}
	if n := reg.n.Load(); n != 0 {
		t.Errorf("%d registry look-ups before refusing", n)
	}
}
