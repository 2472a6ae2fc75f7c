package pipeline

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/tonistiigi/fsutil"
	"github.com/x-platform/x-platform/internal/cachekey"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
)

// source is a service's files at one commit, or in a working folder.
type source interface {
	// tree is the hash of the folder sub, which the cache key covers.
	tree(sub string) (string, error)
	dockerfile() ([]byte, error)
	// files is the tree a build sees.
	files() (fsutil.FS, error)
}

// checkoutSource reads a checkout that is at the commit.
type checkoutSource struct {
	git    Trees
	s      *manifest.Service
	commit string
}

func (c checkoutSource) tree(sub string) (string, error) {
	return c.git.TreeHash(c.s.AbsDir, c.commit, sub)
}

// dockerfile is read from the commit, as the tree the key covers and the
// build sees are: the worktree could hold a symbolic link leading out of
// the checkout, which would put a file of the machine into the key, or to
// a pipe, which would never end.
func (c checkoutSource) dockerfile() ([]byte, error) {
	return c.git.TreeFile(c.s.AbsDir, c.commit, treePath(c.s), dockerfilePath(c.s))
}

func (c checkoutSource) files() (fsutil.FS, error) {
	fs, err := c.git.TreeFS(c.s.AbsDir, c.commit, treePath(c.s))
	if err != nil {
		return nil, fmt.Errorf("reading the commit's tree: %w", err)
	}
	return fs, nil
}

// dockerfilePath is the Dockerfile's path in the repository.
func dockerfilePath(s *manifest.Service) string {
	return path.Join(s.Git.Path, filepath.ToSlash(s.Docker.Dockerfile))
}

// inputs are everything the service's image is made from: its source's
// tree and Dockerfile, its builder image and scripts, its dependencies'
// images.
func (j *job) inputs(ctx context.Context, deps map[string]report.ServiceResult) (cachekey.Inputs, error) {
	s := j.s
	in := cachekey.Inputs{Build: s.Scripts.Build, Test: s.Scripts.Test, Env: s.DockerBuilder.Env, Deps: map[string]string{}}
	var err error
	if in.Tree, err = j.src.tree(treePath(s)); err != nil {
		return in, fmt.Errorf("reading the source tree: %w", err)
	}
	if s.HasBuilder() {
		if in.Builder, err = j.builders.Resolve(ctx, s.Name, s.DockerBuilder.Image); err != nil {
			return in, err
		}
	}
	content, err := j.src.dockerfile()
	if err != nil {
		return in, fmt.Errorf("reading the Dockerfile: %w", err)
	}
	parts := []string{string(content), s.Docker.Dockerfile, s.Docker.Context, s.Docker.Target}
	if pl := j.platforms(s); len(pl) > 0 {
		// The same tree built for another platform is another image.
		parts = append(parts, strings.Join(pl, ","))
	}
	in.Dockerfile = cachekey.Digest(parts...)

	refs := map[string]string{}
	for _, d := range s.Deps {
		r, ok := deps[d]
		if !ok || r.Digest == "" {
			return in, fmt.Errorf("dependency %s has no pushed image to build from", d)
		}
		in.Deps[d] = r.Digest
		refs[d] = image.Cut(r.Image).WithDigest(r.Digest).String()
	}
	if len(s.Docker.BuildArgs) > 0 {
		in.BuildArgs = map[string]string{}
		for k, v := range s.Docker.BuildArgs {
			in.BuildArgs[k] = manifest.ExpandImages(v, func(name string) string { return refs[name] })
		}
	}
	return in, nil
}

// treePath is the repository folder whose tree the key covers: the
// service's git.path, widened to hold a build context or Dockerfile that
// lies outside it (up to the whole repository).
func treePath(s *manifest.Service) string {
	root := s.Git.Path
	for _, rel := range []string{s.Docker.Context, path.Dir(filepath.ToSlash(s.Docker.Dockerfile))} {
		p := path.Clean(path.Join(root, filepath.ToSlash(rel)))
		for root != "" && p != root && !strings.HasPrefix(p, root+"/") {
			root = path.Dir(root)
			if root == "." {
				root = ""
			}
		}
	}
	return root
}
