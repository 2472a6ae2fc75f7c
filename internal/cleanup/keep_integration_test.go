package cleanup

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/x-platform/x-platform/internal/cachekey"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
)

// pushImage writes img under tags of repository repo of the fixture's
// registry and returns its digest.
func (f *fixture) pushImage(repo string, img v1.Image, tags ...string) string {
	f.t.Helper()
	for _, tag := range tags {
		ref, err := name.NewTag(f.registry + "/" + repo + ":" + tag)
		if err != nil {
			f.t.Fatal(err)
		}
		if err := remote.Write(ref, img, remote.WithContext(f.t.Context())); err != nil {
			f.t.Fatal(err)
		}
	}
	d, err := img.Digest()
	if err != nil {
		f.t.Fatal(err)
	}
	return d.String()
}

// oldImage is a random image built long ago with labels.
func (f *fixture) oldImage(labels map[string]string) v1.Image {
	f.t.Helper()
	img, err := random.Image(128, 1)
	if err != nil {
		f.t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		f.t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: old()}
	cf.Config.Labels = labels
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		f.t.Fatal(err)
	}
	return img
}

// TestIntegrationPlanKeepsPinsAndDependencies keeps the image of the
// commit the manifest pins a service to, the image a branch pin resolves
// to in the checkout, and the base image a kept image's labels say it was
// built from; what else the base repository holds goes.
func TestIntegrationPlanKeepsPinsAndDependencies(t *testing.T) {
	f := newRegistryFixture(t, "")
	pinned := f.remote.Head(t, "master")
	head := f.remote.Commit(t, "master", map[string]string{"f": "2"}, "two")
	text := fmt.Sprintf(`registry: %s
services:
  a:
    dir: src/a
    git: {remote: %s, reference: %s}
    dockerBuilder: {image: busybox, workdir: /src}
    docker: {image: a}
  base:
    dir: src/base
    git: {remote: %s, reference: origin/master}
    dockerBuilder: {image: busybox, workdir: /src}
    docker: {image: base}
cleanup: {imagesPerBranch: 1}
`, f.registry, f.remote.URL, pinned, f.remote.URL)
	if err := os.WriteFile(filepath.Join(f.root, "x-platform.yml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"a", "base"} {
		if _, err := gitsync.Sync(t.Context(), gitsync.Request{Remote: f.remote.URL, Dir: filepath.Join(f.root, "src", dir), Reference: "origin/master"}); err != nil {
			t.Fatal(err)
		}
	}
	fake := func(c string) string { return strings.Repeat(c, 40) }
	baseUsed := f.pushImage("base", f.oldImage(nil), fake("5"))
	baseOld := f.pushImage("base", f.oldImage(nil), fake("6"))
	baseHead := f.pushImage("base", f.oldImage(nil), head)
	labels := cachekey.Inputs{Deps: map[string]string{"base": baseUsed}}.Labels()
	aHead := f.pushImage("a", f.oldImage(labels), head)
	aPinned := f.pushImage("a", f.oldImage(nil), pinned)
	aOld := f.pushImage("a", f.oldImage(labels), fake("7"))

	res, err := Plan(t.Context(), f.options())
	if err != nil {
		t.Fatal(err)
	}
	keep, del := planned(t, res)
	for d, why := range map[string]string{
		aPinned:  "the manifest's git.reference " + pinned,
		aHead:    "image 1 of the last 1 of branch master",
		baseHead: "the manifest's git.reference origin/master (" + head[:12] + ")",
		baseUsed: "a dependency of kept image a@" + strings.TrimPrefix(aHead, "sha256:")[:12],
	} {
		if !strings.Contains(strings.Join(keep[d], "; "), why) {
			t.Errorf("%s kept for %q, want a reason holding %q (deleted for %q)", d, keep[d], why, del[d])
		}
	}
	for _, d := range []string{baseOld, aOld} {
		if _, ok := del[d]; !ok {
			t.Errorf("%s kept for %q, want it deleted", d, keep[d])
		}
	}
}

// TestIntegrationPlanKeepsOtherSignersArtifacts keeps, with a kept image,
// the referrers fallback index that cosign v3, notation and ratify tag
// sha256-<hex>, and an artifact whose manifest names the image as its
// subject (as the registry's Referrers API lists it); those of a deleted
// image go with it. The plan notes the indexes.
func TestIntegrationPlanKeepsOtherSignersArtifacts(t *testing.T) {
	f := newRegistryFixture(t, "cleanup: {imagesPerBranch: 1}\n")
	f.sync()
	head := f.remote.Head(t, "master")
	kept := f.push(old(), head)
	gone := f.push(old(), strings.Repeat("d", 40))
	fallback := func(subject string) {
		child, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), mutate.IndexAddendum{Add: child})
		ref, _ := name.NewTag(f.registry + "/a:" + strings.Replace(subject, ":", "-", 1))
		if err := remote.WriteIndex(ref, idx, remote.WithContext(t.Context())); err != nil {
			t.Fatal(err)
		}
	}
	referrer := func(subject, tag string) string {
		ref, err := name.NewDigest(f.registry + "/a@" + subject)
		if err != nil {
			t.Fatal(err)
		}
		desc, err := remote.Head(ref, remote.WithContext(t.Context()))
		if err != nil {
			t.Fatal(err)
		}
		img := mutate.MediaType(f.oldImage(nil), types.OCIManifestSchema1)
		img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
		img = mutate.Subject(img, *desc).(v1.Image)
		return f.pushImage("a", img, tag)
	}
	fallback(kept)
	fallback(gone)
	keptSBOM, goneSBOM := referrer(kept, "sbom-kept"), referrer(gone, "sbom-gone")
	// A registry that announces no Referrers API has the client add a
	// referrer to the fallback index: look the indexes up now.
	keptIndex, goneIndex := f.digest(kept), f.digest(gone)

	ctx := t.Context()
	o := f.options()
	res, err := Plan(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	keep, del := planned(t, res)
	for _, d := range []string{keptIndex, keptSBOM} {
		if !slices.ContainsFunc(keep[d], func(r string) bool { return strings.HasPrefix(r, "belongs to kept image") }) {
			t.Errorf("%s kept for %q, want it kept with its image (deleted for %q)", d, keep[d], del[d])
		}
	}
	for _, d := range []string{gone, goneIndex, goneSBOM} {
		if _, ok := del[d]; !ok {
			t.Errorf("%s kept for %q, want it deleted", d, keep[d])
		}
	}
	if !slices.ContainsFunc(res.Notes, func(n string) bool {
		return strings.Contains(n, "image indexes") && strings.Contains(n, "distribution v3")
	}) {
		t.Errorf("notes %q, want one warning about indexes and distribution v2's garbage collector", res.Notes)
	}

	if rep := Apply(ctx, res, o); rep.Failed() {
		t.Fatalf("apply failed: %+v", rep)
	}
	want := []string{head, strings.Replace(kept, ":", "-", 1), "sbom-kept"}
	slices.Sort(want)
	if got := f.tags(); got != strings.Join(want, " ") {
		t.Errorf("tags after apply: %q, want %q", got, strings.Join(want, " "))
	}
	keptRef, err := name.NewDigest(f.registry + "/a@" + kept)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := remote.Referrers(keptRef, remote.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	im, err := refs.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(im.Manifests, func(d v1.Descriptor) bool { return d.Digest.String() == keptSBOM }) {
		t.Errorf("referrers of the kept image after apply: %+v, want %s among them", im.Manifests, keptSBOM)
	}
}

// digest is the digest of the referrers fallback index of subject.
func (f *fixture) digest(subject string) string {
	f.t.Helper()
	d, err := f.reg.Digest(f.t.Context(), image.NewRef(f.registry, "a", strings.Replace(subject, ":", "-", 1)))
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}
