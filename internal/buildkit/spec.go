package buildkit

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"slices"

	"github.com/moby/buildkit/client/llb"
	"github.com/tonistiigi/fsutil"
)

// Spec is one service build. Paths without a leading slash are relative to
// the root of the tree in Source.
type Spec struct {
	// Name labels the build's progress and its local source.
	Name string
	// Source is the tree the service is made from (a commit's, never a
	// working folder with its .git and ignored files).
	Source fsutil.FS

	// Builder is the image the scripts run in, "" for a build by the
	// Dockerfile alone, which has no Lines: the Dockerfile's context is
	// then the tree itself. Mount is where in it the
	// tree's root is placed (writable, owned by UID:GID), and Dir is where
	// the lines run.
	Builder    string
	Mount, Dir string
	UID, GID   int
	Env        map[string]string
	// Lines run one after another with sh -c; Build of them are build lines,
	// the rest test lines.
	Lines []string
	Build int
	// Caches are folders in the builder kept between builds that use the
	// same builder image.
	Caches []string
	// Secrets are mounted at /run/secrets/<id> for the lines and offered to
	// the Dockerfile's RUN --mount=type=secret. Their values are masked in
	// the log.
	Secrets map[string][]byte
	// Reports are files or folders (relative to Dir) the scripts write,
	// copied to ReportsTo on the host once the scripts are done.
	Reports   []string
	ReportsTo string

	// Dockerfile and Context are read from the scripts' result, except the
	// Dockerfile, which comes from the tree itself.
	Dockerfile, Context, Target string
	BuildArgs, Labels           map[string]string
	Platforms                   []string

	// Names are the image's references. The engine's BuildKit puts the
	// image among the engine's images under every name; a BuildKit daemon
	// pushes it under every name, or, with ByDigest, by digest only to the
	// first name's repository, for the caller to tag.
	Names    []string
	ByDigest bool
	// Insecure lets pushes and the registry cache use plain HTTP.
	Insecure bool
	// CacheFrom are registry references whose layers may be reused;
	// CacheTo, when set, receives this build's cache (every step).
	CacheFrom []string
	CacheTo   string

	// Log receives BuildKit's progress, plain, line by line, unless
	// Console is set: then a live display is drawn there.
	Log     io.Writer
	Console *os.File
}

// HomeDir is HOME for the script lines: writable by the invoking user.
const HomeDir = "/home/x-platform"

// sourceName is the local source the tree is sent as.
const sourceName = "src"

// treeRoot is where the tree lies in the scripts' result: a folder of its
// own, so that the folder itself, not only its contents, belongs to the
// invoking user.
const treeRoot = "/src"

// scripts is the tree, with the lines run over it in the builder image one
// after another, and the folder of the result the tree lies in: what the
// Dockerfile's context is taken from.
func (s *Spec) scripts(resolver llb.ImageMetaResolver) (llb.State, string) {
	src := llb.Local(sourceName, llb.SharedKeyHint(s.Name), llb.WithCustomName(s.Name+": the commit's tree"))
	if len(s.Lines) == 0 {
		return src, "/"
	}
	owner := llb.WithUIDGID(s.UID, s.GID)
	tree := llb.Scratch().File(
		llb.Mkdir(treeRoot, 0o755, owner).
			Copy(src, "/", treeRoot, &llb.CopyInfo{CopyDirContentsOnly: true}, owner),
		llb.WithCustomName(s.Name+": the tree, owned by the invoking user"))
	// The resolver gives the steps the image's own environment (PATH, …).
	root := llb.Image(s.Builder, llb.WithMetaResolver(resolver), llb.WithCustomName(s.Name+": builder "+s.Builder)).
		File(llb.Mkdir(HomeDir, 0o700, llb.WithParents(true), owner), llb.WithCustomName(s.Name+": a home folder"))
	opts := s.runOptions()
	for i, line := range s.Lines {
		run := root.Run(append(opts,
			llb.Args([]string{"/bin/sh", "-c", line}),
			llb.WithCustomName(s.lineName(i)),
		)...)
		tree = run.AddMount(s.Mount, tree, llb.SourcePath(treeRoot))
		root = run.Root()
	}
	return tree, treeRoot
}

// lineName names a line's step, "build 1/2: go build ./...", so the step
// that failed says which line it was.
func (s *Spec) lineName(i int) string {
	kind, n, of := "build", i+1, s.Build
	if i >= s.Build {
		kind, n, of = "test", i-s.Build+1, len(s.Lines)-s.Build
	}
	return fmt.Sprintf("%s %s %d/%d: %s", s.Name, kind, n, of, s.Lines[i])
}

func (s *Spec) runOptions() []llb.RunOption {
	opts := []llb.RunOption{
		llb.Dir(path.Join(s.Mount, s.Dir)),
		llb.User(fmt.Sprintf("%d:%d", s.UID, s.GID)),
		llb.AddEnv("HOME", HomeDir),
	}
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		opts = append(opts, llb.AddEnv(k, s.Env[k]))
	}
	for _, dir := range s.Caches {
		// A cache folder belongs to the invoking user, as the Dockerfile
		// frontend makes one for --mount=type=cache,uid=…
		owned := llb.Scratch().File(llb.Mkdir("/cache", 0o755, llb.WithUIDGID(s.UID, s.GID)))
		id := fmt.Sprintf("x-platform:%s:%s:%d", s.Builder, dir, s.UID)
		opts = append(opts, llb.AddMount(dir, owned, llb.SourcePath("/cache"), llb.AsPersistentCacheDir(id, llb.CacheMountShared)))
	}
	for _, id := range slices.Sorted(maps.Keys(s.Secrets)) {
		opts = append(opts, llb.AddSecret("/run/secrets/"+id, llb.SecretID(id), llb.SecretFileOpt(s.UID, s.GID, 0o400)))
	}
	return opts
}
