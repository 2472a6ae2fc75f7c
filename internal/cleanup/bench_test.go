package cleanup

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/testenv"
)

const (
	benchRepos        = 50
	benchTagsPerRepo  = 200
	benchImagesPerRep = 4
)

// BenchmarkPlan10kTags plans over a loopback registry holding 10 000 tags
// in 50 repositories: the services of one monorepo, so that their git refs
// come from one checkout. Each repository holds a few small images, pushed
// once, and many tags put on them by manifest PUTs outside the timed loop.
func BenchmarkPlan10kTags(b *testing.B) {
	b.Setenv("HOME", b.TempDir())
	b.Setenv("DOCKER_CONFIG", b.TempDir())
	registry := testenv.Registry(b) + "/bench"
	mono := testenv.NewRemote(b, map[string]string{"README.md": "mono\n"})
	root := b.TempDir()

	var m strings.Builder
	fmt.Fprintf(&m, "registry: %s\nservices:\n", registry)
	for i := range benchRepos {
		fmt.Fprintf(&m, "  s%d:\n    dir: src/mono\n    git: {remote: %s, reference: origin/master, path: s%d}\n"+
			"    dockerBuilder: {image: busybox, workdir: /src}\n    docker: {image: s%d}\n", i, mono.URL, i, i)
	}
	if err := os.WriteFile(filepath.Join(root, "x-platform.yml"), []byte(m.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	mf, err := manifest.Load(filepath.Join(root, "x-platform.yml"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := gitsync.Sync(b.Context(), gitsync.Request{Remote: mono.URL, Dir: filepath.Join(root, "src", "mono"), Reference: "origin/master"}); err != nil {
		b.Fatal(err)
	}
	fill(b, registry)

	o := Options{Manifest: mf, Services: mf.Services, Registry: image.NewRegistry(), Fetch: gitsync.Fetch, Concurrency: 16}
	b.ResetTimer()
	for b.Loop() {
		res, err := Plan(b.Context(), o)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, rp := range res.Plan.Repositories {
			for _, d := range append(rp.Keep, rp.Delete...) {
				n += len(d.Tags)
			}
		}
		if n != benchRepos*benchTagsPerRepo {
			b.Fatalf("plan covers %d tags, want %d", n, benchRepos*benchTagsPerRepo)
		}
	}
}

// fill pushes benchImagesPerRep images to each repository and spreads
// benchTagsPerRepo tags over them by manifest PUTs.
func fill(b *testing.B, registry string) {
	g, ctx := errgroup.WithContext(b.Context())
	g.SetLimit(16)
	for r := range benchRepos {
		g.Go(func() error {
			var imgs []v1.Image
			for i := range benchImagesPerRep {
				img, err := random.Image(64, 1)
				if err != nil {
					return err
				}
				if img, err = mutate.CreatedAt(img, v1.Time{Time: time.Now().Add(-time.Duration(i*40) * 24 * time.Hour)}); err != nil {
					return err
				}
				ref, _ := name.NewTag(fmt.Sprintf("%s/s%d:%040x", registry, r, i))
				if err := remote.Write(ref, img, remote.WithContext(ctx)); err != nil {
					return err
				}
				imgs = append(imgs, img)
			}
			for t := benchImagesPerRep; t < benchTagsPerRepo; t++ {
				ref, _ := name.NewTag(fmt.Sprintf("%s/s%d:%040x", registry, r, t))
				if err := remote.Tag(ref, imgs[t%benchImagesPerRep], remote.WithContext(ctx)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatalf("filling the registry: %v", err)
	}
}
