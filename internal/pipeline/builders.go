package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/distribution/reference"
	"github.com/tonistiigi/fsutil"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/shortsha"
)

// BuilderName is the folder under builders/ that makes a builder image: the
// last path component of the image's repository (builders/zbackend:newest →
// zbackend).
func BuilderName(img string) string {
	repo := img
	if named, err := reference.ParseNormalizedNamed(img); err == nil {
		repo = reference.Path(named)
	}
	return path.Base(repo)
}

// remoteImage tells whether an image names a registry explicitly, so that
// pushing or pulling it cannot land on Docker Hub by accident.
func remoteImage(img string) bool {
	first, _, ok := strings.Cut(img, "/")
	return ok && (strings.ContainsAny(first, ".:") || first == "localhost")
}

var errNoBuilder = errors.New("builder image missing")

// builderImages finds each builder image of a run once, however many
// services share it: the ID the cache keys cover (Resolve), and the image
// where builds take it from (Ready). One found nowhere is built from
// builders/<name>/.
type builderImages struct {
	r  *run
	mu sync.Mutex
	by map[string]*builderImage
}

// builderImage is what a run learnt of one builder image.
type builderImage struct {
	resolve sync.Once
	id      string
	// local says the engine holds the image the registry has (or the only
	// one, for an image that names no registry); remote that the registry has it.
	local, remote bool
	err           error

	ready    sync.Once
	readyErr error
}

func newBuilderImages(r *run) *builderImages {
	return &builderImages{r: r, by: map[string]*builderImage{}}
}

func (b *builderImages) get(img string) *builderImage {
	b.mu.Lock()
	defer b.mu.Unlock()
	bi, ok := b.by[img]
	if !ok {
		bi = &builderImage{}
		b.by[img] = bi
	}
	return bi
}

// Resolve is the builder image's ID. One that names a registry is taken
// as the registry has it now — pulled when the engine's copy differs, so
// a builder refreshed from another machine is used, and keyed, here too;
// one that names none is the engine's. One that is nowhere is built from
// builders/<name>/ first, except in a dry run. service names whose
// progress shows the work.
func (b *builderImages) Resolve(ctx context.Context, service, img string) (string, error) {
	bi := b.get(img)
	bi.resolve.Do(func() {
		bi.err = b.look(ctx, service, img, bi)
		if bi.err != nil || bi.found(b.r.RemoteBuilds) {
			return
		}
		if b.r.dry {
			bi.err = fmt.Errorf("%w: %s (build would make it from builders/%s)", errNoBuilder, img, BuilderName(img))
			return
		}
		if err := b.make(ctx, service, img); err != nil {
			bi.err = fmt.Errorf("preparing builder: %w", err)
			return
		}
		bi.err = b.look(ctx, service, img, bi)
	})
	return bi.id, bi.err
}

// found says whether builds can take the image from where it is: BuildKit
// daemons take it from registries only.
func (bi *builderImage) found(remoteBuilds bool) bool {
	return bi.remote || bi.local && !remoteBuilds
}

// look finds img in the engine and its registry, pulling a stale copy.
func (b *builderImages) look(ctx context.Context, service, img string, bi *builderImage) error {
	r := b.r
	info, err := r.Images.Inspect(ctx, img)
	if err != nil {
		return err
	}
	bi.id, bi.local = info.ID, info.Present
	if !remoteImage(img) {
		return nil
	}
	cfg, err := r.Registry.Config(ctx, image.Cut(img))
	switch {
	case errors.Is(err, image.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	bi.remote = true
	if info.Present && cfg.ID != info.ID {
		bi.local = false
		if !r.dry && !r.RemoteBuilds {
			r.Progress.Stepf(service, "pulling builder image %s (the registry has %s)", img, shortsha.Digest(cfg.ID))
			if err := r.Images.Pull(ctx, img, r.Progress.Output(service)); err != nil {
				return err
			}
			bi.local = true
		}
	}
	bi.id = cfg.ID
	return nil
}

// Ready makes sure the resolved builder image is where builds take it
// from: the local engine (pulled from its registry), or, for BuildKit
// daemons, its registry.
func (b *builderImages) Ready(ctx context.Context, service, img string) error {
	if _, err := b.Resolve(ctx, service, img); err != nil {
		return err
	}
	bi := b.get(img)
	bi.ready.Do(func() {
		r := b.r
		switch {
		case r.RemoteBuilds:
			bi.readyErr = r.localBuilders([]string{img})
		case !bi.local:
			r.Progress.Stepf(service, "pulling builder image %s", img)
			bi.readyErr = r.Images.Pull(ctx, img, r.Progress.Output(service))
		}
	})
	if bi.readyErr != nil {
		return fmt.Errorf("preparing builder: %w", bi.readyErr)
	}
	return nil
}

// make builds a builder image that is nowhere from builders/<name>/.
func (b *builderImages) make(ctx context.Context, service, img string) error {
	r := b.r
	if err := r.localBuilders([]string{img}); err != nil {
		return err
	}
	name := BuilderName(img)
	if _, err := os.Stat(b.dockerfile(name)); err != nil {
		return fmt.Errorf("builder image %s is missing: run bin/x-update-builder %s", img, name)
	}
	r.Progress.Stepf(service, "builder image %s is missing: building it from builders/%s", img, name)
	_, err := b.build(ctx, service, name, []string{img}, nil)
	return err
}

// dockerfile is the Dockerfile of builders/<name>.
func (b *builderImages) dockerfile(name string) string {
	return filepath.Join(b.r.Manifest.Root, "builders", name, "Dockerfile")
}

// buildBuilder builds builders/<name> as images and says whether the
// daemon pushed them (else they are in the engine's images); what it
// pushed is signed.
func (b *builderImages) build(ctx context.Context, service, name string, images []string, args map[string]string) (bool, error) {
	p := b.r
	if err := p.localBuilders(images); err != nil {
		return false, err
	}
	out := p.Progress.Output(service)
	defer out.Close()
	dir := filepath.Dir(b.dockerfile(name))
	src, err := fsutil.NewFS(dir)
	if err != nil {
		return false, fmt.Errorf("reading builders/%s: %w", name, err)
	}
	res, err := p.Builder.Build(ctx, &buildkit.Spec{
		Name:       service,
		Source:     src,
		Dockerfile: "Dockerfile",
		Context:    ".",
		BuildArgs:  args,
		Labels:     map[string]string{"io.x-platform.builder": name},
		Names:      images,
		Insecure:   p.PlainHTTP != nil && p.PlainHTTP(image.Cut(images[0])),
		Log:        out,
	})
	if err != nil {
		return false, fmt.Errorf("building builder image %s from builders/%s: %w", images[0], name, err)
	}
	if res.Digest == "" {
		return false, nil
	}
	for _, img := range images {
		if err := b.sign(ctx, service, name, img, res.Digest); err != nil {
			return true, err
		}
	}
	return true, nil
}
