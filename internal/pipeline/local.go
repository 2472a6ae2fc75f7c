package pipeline

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tonistiigi/fsutil"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
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

func (l localSource) files() (fsutil.FS, error) {
	return localFS(filepath.Join(l.dir, filepath.FromSlash(treePath(l.s))))
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

// folderJob builds s from the working folder dir as it is, without
// touching the folder or the service's checkout. The image is pushed under
// its dirty- tag only: no <sha>, branch or key tag, and no registry cache
// export, so no committed build ever takes it; the record of finished tags
// is left alone.
func (r *run) folderJob(s *manifest.Service, dir string) (*job, error) {
	j := r.newJob(s)
	j.res.Reference, j.folder = LocalReference(dir), dir
	hash, err := LocalHash(s, dir)
	if err != nil {
		return j, err
	}
	j.src = localSource{s, dir, hash}
	j.ref = image.NewRef(r.RegistryPrefix, s.Docker.Image, image.LocalTag(hash))
	j.res.Image = j.ref.String()
	return j, nil
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
