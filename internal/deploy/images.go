package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
)

// Version is the image a service is deployed with.
type Version struct {
	release.Service
	// ImageName is the name manifests write for the image (docker.image).
	ImageName string
}

// Pin is how the version is pinned in the rendered manifests.
func (v Version) Pin() render.Image {
	return render.Image{
		Name:    v.ImageName,
		NewName: v.Image.Repository(),
		Tag:     v.Tag,
		Digest:  v.Digest,
	}
}

// DigestLookup finds the digest a tagged image has in its registry.
type DigestLookup interface {
	Digest(ctx context.Context, ref image.Ref) (string, error)
}

// CommitResolver says which commit a service's reference names in its
// checkout, e.g. gitsync.Resolve(s.AbsDir, s.Git.Reference).
type CommitResolver func(s *manifest.Service) (string, error)

// Missing is a service whose image cannot be deployed.
type Missing struct {
	Service string
	Image   string // "" when even the commit is unknown
	Reason  string
}

// MissingImagesError lists every service whose image is not in the registry.
type MissingImagesError struct {
	Missing []Missing
}

func (e *MissingImagesError) Error() string {
	var b strings.Builder
	names := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		names[i] = m.Service
	}
	fmt.Fprintf(&b, "%d image(s) missing, nothing was deployed:", len(e.Missing))
	for _, m := range e.Missing {
		fmt.Fprintf(&b, "\n  %s: %s", m.Service, m.Reason)
	}
	fmt.Fprintf(&b, "\nmake them with: x-platform build --services %s", strings.Join(names, ","))
	return b.String()
}

// ResolveImages finds, for each service, the commit its reference names
// and the digest of <registry>/<image>:<commit>. It looks everything up
// before reporting, so one error lists every missing image.
func ResolveImages(ctx context.Context, m *manifest.Manifest, services []*manifest.Service, commits CommitResolver, digests DigestLookup) ([]Version, error) {
	out := make([]Version, len(services))
	missing := make([]*Missing, len(services))
	var g errgroup.Group
	g.SetLimit(8)
	for i, s := range services {
		g.Go(func() error {
			v := Version{ImageName: s.Docker.Image, Service: release.Service{Name: s.Name, Reference: s.Git.Reference}}
			commit, err := commits(s)
			if err != nil {
				missing[i] = &Missing{Service: s.Name, Reason: fmt.Sprintf("resolving %s in %s: %v (run x-platform sync --services %s, or deploy --sync)", s.Git.Reference, s.Dir, err, s.Name)}
				return nil
			}
			ref := image.NewRef(m.Registry, s.Docker.Image, commit)
			v.Commit, v.Tag, v.Image = commit, commit, ref
			digest, err := digests.Digest(ctx, ref)
			switch {
			case errors.Is(err, image.ErrNotFound):
				missing[i] = &Missing{Service: s.Name, Image: v.Image.String(), Reason: v.Image.String() + " is not in the registry"}
				return nil
			case err != nil:
				return fmt.Errorf("looking up %s: %w", v.Image, err)
			}
			v.Digest = digest
			out[i] = v
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var me MissingImagesError
	for _, m := range missing {
		if m != nil {
			me.Missing = append(me.Missing, *m)
		}
	}
	if len(me.Missing) > 0 {
		return out, &me
	}
	return out, nil
}
