package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/tonistiigi/fsutil"

	"github.com/x-platform/x-platform/internal/cachekey"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/ui"
)

// LocalReference is the reference reported for a service built from a
// working folder: "local:<folder>".
func LocalReference(dir string) string { return "local:" + dir }

// LabelLocal marks an image built from a working folder; its value is the
// image's dirty- tag.
const LabelLocal = "io.x-platform.local"

// localSource reads a working folder as it is, uncommitted changes
// included. Its tree is the content hash, marked so that no commit's tree
// hash can equal it.
type localSource struct {
	s    *manifest.Service
	dir  string
	hash string
}

func (l localSource) tree(string) (string, error) { return "local:" + l.hash, nil }

func (l localSource) dockerfile() ([]byte, error) {
	return os.ReadFile(filepath.Join(l.dir, l.s.Git.Path, l.s.Docker.Dockerfile))
}

// LocalImage is the image a build of s from the working folder dir makes:
// its reference, and the content hash it is tagged by.
func (p *Pipeline) LocalImage(s *manifest.Service, dir string) (ref, hash string, err error) {
	if hash, err = LocalHash(s, dir); err != nil {
		return "", "", err
	}
	return image.Name(p.RegistryPrefix, s.Docker.Image, image.LocalTag(hash)), hash, nil
}

// LocalHash is the content hash of the part of the working folder dir
// that a build of s sees (the tree a committed build's key covers).
func LocalHash(s *manifest.Service, dir string) (string, error) {
	return ContentHash(filepath.Join(dir, filepath.FromSlash(treePath(s))))
}

// buildLocal builds s from the working folder dir as it is, without
// touching the folder or the service's checkout. The image is pushed under
// its dirty- tag only: no <sha>, branch or key tag, and no registry cache
// export, so no committed build ever takes it; the record of finished tags
// is left alone.
func (p *Pipeline) buildLocal(ctx context.Context, s *manifest.Service, dir string, deps map[string]ui.ServiceResult) ui.ServiceResult {
	start := time.Now()
	r := ui.ServiceResult{Name: s.Name, Reference: LocalReference(dir)}
	ref, hash, err := p.LocalImage(s, dir)
	if err != nil {
		return p.fail(r, err)
	}
	r.Image = ref
	in, err := p.inputs(ctx, s, localSource{s, dir, hash}, deps)
	if err != nil {
		return p.fail(r, err)
	}
	cfg, err := p.Registry.Config(ctx, ref)
	switch {
	case err == nil && in.Explain(cfg.Labels) == nil:
		r.Action, r.Digest, r.Reason = ui.ActionReused, cfg.Digest, "the folder's image is in the registry"
	case err == nil || errors.Is(err, image.ErrNotFound):
		if r.Digest, err = p.solveLocal(ctx, s, dir, hash, ref, in); err != nil {
			return p.fail(r, err)
		}
		r.Action, r.Reason = ui.ActionBuilt, "built from the working folder"
	default:
		return p.fail(r, fmt.Errorf("looking up %s in the registry: %w", ref, err))
	}
	if err := p.signLocal(ctx, s, dir, ref, in, r.Digest); err != nil {
		return p.fail(r, err)
	}
	p.Progress.Donef(s.Name, true, "%s %s from %s (%s)", r.Action, ref, dir, time.Since(start).Round(time.Millisecond))
	return r
}

func (p *Pipeline) solveLocal(ctx context.Context, s *manifest.Service, dir, hash, ref string, in cachekey.Inputs) (string, error) {
	if err := p.ensureBuilder(ctx, s); err != nil {
		return "", err
	}
	src, err := localFS(filepath.Join(dir, filepath.FromSlash(treePath(s))))
	if err != nil {
		return "", err
	}
	spec, err := p.specOf(s, src, gitsync.Result{}, ref, in)
	if err != nil {
		return "", err
	}
	spec.Labels = maps.Clone(spec.Labels)
	delete(spec.Labels, "org.opencontainers.image.revision")
	spec.Labels["io.x-platform.reference"] = LocalReference(dir)
	spec.Labels[LabelLocal] = image.LocalTag(hash)
	spec.Env["XP_COMMIT"] = ""
	spec.Names = []string{ref}
	spec.CacheTo = "" // the cache may be read, never written from a folder
	p.Progress.Stepf(s.Name, "building from the working folder %s", dir)
	return p.solve(ctx, s, spec, ref)
}

// localFS is the folder as a build sees it: everything but .git.
func localFS(dir string) (fsutil.FS, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("reading the working folder: %w", err)
	}
	fs, err := fsutil.NewFS(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the working folder %s: %w", dir, err)
	}
	return fsutil.NewFilterFS(fs, &fsutil.FilterOpt{ExcludePatterns: []string{".git", "**/.git"}})
}

// signLocal signs an image built from a folder: its provenance names the
// folder and no commit.
func (p *Pipeline) signLocal(ctx context.Context, s *manifest.Service, dir, ref string, in cachekey.Inputs, digest string) error {
	if p.Signer == nil {
		return nil
	}
	if digest == "" {
		return fmt.Errorf("signing %s: the registry gave no digest for it", ref)
	}
	p.Progress.Stepf(s.Name, "signing %s", image.Cut(ref).WithDigest(digest))
	if err := p.Signer.Sign(ctx, ref, digest, Provenance{
		Service: s.Name, Path: s.Git.Path, Reference: LocalReference(dir),
		Builder: s.DockerBuilder.Image, BuilderDigest: in.Builder,
	}); err != nil {
		return fmt.Errorf("signing %s: %w", ref, err)
	}
	return nil
}
