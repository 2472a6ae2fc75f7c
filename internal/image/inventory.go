package image

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"
)

// Stored is one manifest of a repository and the tags that point at it.
type Stored struct {
	Digest string
	Tags   []string
	// Created is the "created" time of the image's config: when BuildKit
	// exported it. Zero for artifacts without one (signatures).
	Created time.Time
	// Children are the manifests of an index, one per platform.
	Children []string
	// Subject is the digest of the image an artifact's manifest refers to
	// (what the Referrers API lists it under); "" for an image.
	Subject string
	// Labels are the image config's labels (an index's: its first
	// platform's).
	Labels map[string]string
}

// Tags lists every tag of repo's repository (a tag or digest of repo is
// ignored), following the registry's pages. A repository the registry does
// not know has none.
func (r *Registry) Tags(ctx context.Context, repo Ref) ([]string, error) {
	parsed, err := r.repository(repo)
	if err != nil {
		return nil, err
	}
	var tags []string
	err = r.do(ctx, func(ctx context.Context) error {
		tags, err = r.puller.List(ctx, parsed)
		return err
	})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, classify("listing the tags of "+repo.Repository(), err)
	}
	slices.Sort(tags)
	return tags, nil
}

// Inventory lists what each of repos ("host/path") holds: each manifest a
// tag points at, with all its tags and its creation time. At most
// concurrency requests run at once over all repositories, and the look-ups
// of one repository start as soon as its tags are listed. A tag deleted
// while this runs is left out.
func (r *Registry) Inventory(ctx context.Context, repos []Ref, concurrency int) (map[Ref][]Stored, error) {
	sem := make(chan struct{}, max(concurrency, 1))
	bounded := func(ctx context.Context, fn func() error) error {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-sem }()
		return fn()
	}
	var mu sync.Mutex
	out := make(map[Ref][]Stored, len(repos))
	g, gctx := errgroup.WithContext(ctx)
	for _, repo := range repos {
		g.Go(func() error {
			stored, err := r.inventory(gctx, repo, bounded)
			if err != nil {
				return err
			}
			mu.Lock()
			out[repo] = stored
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// inventory is Inventory of one repository; bounded runs a request when
// the shared bound lets it.
func (r *Registry) inventory(ctx context.Context, repo Ref, bounded func(context.Context, func() error) error) ([]Stored, error) {
	var tags []string
	err := bounded(ctx, func() (err error) {
		tags, err = r.Tags(ctx, repo)
		return err
	})
	if err != nil {
		return nil, err
	}
	digests := make([]string, len(tags))
	g, gctx := errgroup.WithContext(ctx)
	for i, t := range tags {
		g.Go(func() error {
			return bounded(gctx, func() error {
				d, err := r.Digest(gctx, repo.WithTag(t))
				if isGone(err) {
					return nil
				}
				digests[i] = d
				return err
			})
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	byDigest := map[string]*Stored{}
	var order []string
	for i, t := range tags {
		d := digests[i]
		if d == "" {
			continue
		}
		s, ok := byDigest[d]
		if !ok {
			s = &Stored{Digest: d}
			byDigest[d] = s
			order = append(order, d)
		}
		s.Tags = append(s.Tags, t)
	}
	g, gctx = errgroup.WithContext(ctx)
	for _, d := range order {
		s := byDigest[d]
		g.Go(func() error {
			return bounded(gctx, func() (err error) {
				return r.describe(gctx, repo.WithDigest(d), s)
			})
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make([]Stored, len(order))
	for i, d := range order {
		out[i] = *byDigest[d]
	}
	return out, nil
}

// Digests looks up the digest of each tag of repo, at most concurrency at
// once; a tag that is gone is missing from the result.
func (r *Registry) Digests(ctx context.Context, repo Ref, tags []string, concurrency int) (map[string]string, error) {
	var mu sync.Mutex
	out := make(map[string]string, len(tags))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(concurrency, 1))
	for _, t := range tags {
		g.Go(func() error {
			d, err := r.Digest(gctx, repo.WithTag(t))
			if isGone(err) {
				return nil
			}
			if err != nil {
				return err
			}
			mu.Lock()
			out[t] = d
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// describe reads into s when the image ref names was created, its labels,
// the subject it refers to and, for an index, which manifests it lists;
// the creation time and labels of an index are its first platform image's.
func (r *Registry) describe(ctx context.Context, ref Ref, s *Stored) error {
	parsed, err := r.parse(ref)
	if err != nil {
		return err
	}
	err = r.do(ctx, func(ctx context.Context) error {
		s.Created, s.Children, s.Subject, s.Labels = time.Time{}, nil, "", nil
		desc, err := r.puller.Get(ctx, parsed)
		if err != nil {
			return err
		}
		var head struct {
			Subject *v1.Descriptor `json:"subject"`
		}
		if json.Unmarshal(desc.Manifest, &head) == nil && head.Subject != nil {
			s.Subject = head.Subject.Digest.String()
		}
		if !desc.MediaType.IsIndex() {
			s.Created, s.Labels, err = configOf(desc)
			return err
		}
		idx, err := desc.ImageIndex()
		if err != nil {
			return err
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return err
		}
		var first *v1.Descriptor
		for i, m := range im.Manifests {
			s.Children = append(s.Children, m.Digest.String())
			// BuildKit lists its attestations as platform unknown/unknown.
			if first == nil && m.MediaType.IsImage() && (m.Platform == nil || m.Platform.OS != "unknown") {
				first = &im.Manifests[i]
			}
		}
		if first == nil {
			return nil
		}
		child, err := r.puller.Get(ctx, parsed.Context().Digest(first.Digest.String()))
		if err != nil {
			return err
		}
		s.Created, s.Labels, err = configOf(child)
		return err
	})
	if err != nil {
		return classify("reading "+ref.String(), err)
	}
	return nil
}

// configOf reads the created time and labels of an image's config; an
// artifact whose config is not an image config has none.
func configOf(desc *remote.Descriptor) (time.Time, map[string]string, error) {
	if !desc.MediaType.IsImage() {
		return time.Time{}, nil, nil
	}
	img, err := desc.Image()
	if err != nil {
		return time.Time{}, nil, err
	}
	m, err := img.Manifest()
	if err != nil {
		return time.Time{}, nil, err
	}
	if !m.Config.MediaType.IsConfig() {
		return time.Time{}, nil, nil
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return time.Time{}, nil, err
	}
	return cf.Created.Time, cf.Config.Labels, nil
}

func (r *Registry) repository(repo Ref) (name.Repository, error) {
	parsed, err := r.parse(Repo(repo.Repository()))
	if err != nil {
		return name.Repository{}, err
	}
	return parsed.Context(), nil
}
