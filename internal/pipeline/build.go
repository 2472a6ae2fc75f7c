package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tonistiigi/fsutil"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/redact"
	"github.com/x-platform/x-platform/internal/retry"
)

// build makes the image in one BuildKit solve — the source's tree, the
// scripts, the Dockerfile — and puts it in the registry under the job's
// tags. It returns the image's digest and, when the tree holds LFS
// pointers or submodules, a note saying so for the report.
func (j *job) build(ctx context.Context) (string, string, error) {
	if j.s.HasBuilder() {
		if err := j.builders.Ready(ctx, j.s.Name, j.s.DockerBuilder.Image); err != nil {
			return "", "", err
		}
	}
	src, err := j.src.files()
	if err != nil {
		return "", "", err
	}
	spec, err := j.spec(src)
	if err != nil {
		return "", "", err
	}
	note := unfetched(spec.Source)
	if note != "" {
		j.Progress.Stepf(j.s.Name, "warning: %s", note)
	}
	digest, err := j.solve(ctx, spec)
	if err != nil || j.tags.Key == "" {
		return digest, note, err
	}
	if land := j.landing(); land != j.ref {
		return digest, note, j.admit(ctx, land, digest)
	}
	return digest, note, j.Registry.Tag(ctx, j.ref, j.tags.Key)
}

// unfetched says what of the commit's tree src a build gets only as a
// stand-in (LFS pointers, submodules): the build succeeds, and the image
// fails later, far from the cause.
func unfetched(src fsutil.FS) string {
	t, ok := src.(interface{ Unfetched() gitsync.Unfetched })
	if !ok {
		return ""
	}
	return t.Unfetched().String()
}

// solve runs the build spec describes and leaves its image in the registry
// under the job's image reference; it returns the image's digest.
func (j *job) solve(ctx context.Context, spec *buildkit.Spec) (string, error) {
	s := j.s
	spec.CacheFrom = j.existing(ctx, spec.CacheFrom)
	out := j.Progress.Output(s.Name)
	defer out.Close()
	spec.Log = out
	if j.live {
		spec.Console = j.Progress.Terminal()
	}
	what := fmt.Sprintf("%d build and %d test lines in %s, then the image", len(s.Scripts.Build), len(s.Scripts.Test), s.DockerBuilder.Image)
	if !s.HasBuilder() {
		what = "the Dockerfile alone"
	}
	j.Progress.Stepf(s.Name, "building: %s", what)
	solveCtx, cancel := context.WithTimeout(ctx, s.BuildTimeout())
	defer cancel()
	built, err := j.Builder.Build(solveCtx, spec)
	for _, r := range built.Reports {
		j.Progress.Stepf(s.Name, "report: %s", r)
	}
	if err != nil && ctx.Err() == nil && errors.Is(solveCtx.Err(), context.DeadlineExceeded) {
		return "", fmt.Errorf("build timed out after %s (set a longer timeout: for the service in %s if it needs more)", retry.ShortDuration(s.BuildTimeout()), manifest.FileName)
	}
	if err != nil {
		return "", scriptError(s, err)
	}
	land := j.landing()
	if built.Digest == "" {
		// The engine's BuildKit put the image among the engine's images.
		j.Progress.Stepf(s.Name, "pushing %s", land)
		return j.Images.Push(ctx, land.String(), out)
	}
	return built.Digest, j.Registry.Tag(ctx, land.WithDigest(built.Digest), land.Tag())
}

// spec is the service's build from the tree src: paths are relative to the
// tree that the key covers (treePath), which is placed so that the scripts
// run where they always have, workdir/<git.path>. A folder's build is
// named by its dirty- tag alone and writes no registry cache, so no
// committed build ever takes it.
func (j *job) spec(src fsutil.FS) (*buildkit.Spec, error) {
	s, root := j.s, treePath(j.s)
	uid, gid, err := parseUser(j.User)
	if err != nil {
		return nil, err
	}
	secrets, err := j.secrets(s)
	if err != nil {
		return nil, err
	}
	labels := j.labels()
	maps.Copy(labels, j.in.Labels())
	env := map[string]string{"XP_SERVICE": s.Name, "XP_COMMIT": j.commit}
	maps.Copy(env, s.DockerBuilder.Env)
	rel := func(p string) string { return relTo(root, path.Clean(path.Join(s.Git.Path, filepath.ToSlash(p)))) }
	cache := j.ref.WithTag(image.CacheTag).String()
	spec := &buildkit.Spec{
		Name:       s.Name,
		Source:     src,
		Builder:    s.DockerBuilder.Image,
		Mount:      path.Join(s.DockerBuilder.Workdir, root),
		Dir:        rel("."),
		UID:        uid,
		GID:        gid,
		Env:        env,
		Lines:      append(append([]string(nil), s.Scripts.Build...), s.Scripts.Test...),
		Build:      len(s.Scripts.Build),
		Caches:     s.DockerBuilder.Caches,
		Secrets:    secrets,
		Reports:    s.Scripts.Reports,
		ReportsTo:  filepath.Join(j.Manifest.Root, ".x-platform", "reports", s.Name),
		Dockerfile: rel(s.Docker.Dockerfile),
		Context:    rel(s.Docker.Context),
		Target:     s.Docker.Target,
		BuildArgs:  j.in.BuildArgs,
		Labels:     labels,
		Platforms:  j.platforms(s),
		Names:      []string{j.landing().String()},
		Insecure:   j.PlainHTTP != nil && j.PlainHTTP(j.ref),
		CacheFrom:  []string{cache},
		ByDigest:   true,
	}
	if j.folder != "" {
		return spec, nil // the cache may be read, never written from a folder
	}
	if j.landing() == j.ref {
		spec.Names = append(spec.Names, j.ref.WithTag(j.tags.Key).String())
	}
	spec.CacheTo = cache
	if j.tags.Branch != "" {
		// The last image of the branch carries its layers' cache inline.
		spec.CacheFrom = append(spec.CacheFrom, j.ref.WithTag(j.tags.Branch).String())
	}
	return spec, nil
}

// labels say where the image comes from: a commit of the service's
// repository, or a working folder and its dirty- tag.
func (j *job) labels() map[string]string {
	l := map[string]string{
		"org.opencontainers.image.source": redact.Source(j.s.Git.Remote),
		"io.x-platform.service":           j.s.Name,
		"io.x-platform.reference":         j.res.Reference,
	}
	if j.folder != "" {
		l[LabelLocal] = j.ref.Tag()
	} else {
		l["org.opencontainers.image.revision"] = j.commit
	}
	return l
}

// existing keeps the references that are in their registry: BuildKit
// reports a cache it cannot import as an error block in the log.
func (j *job) existing(ctx context.Context, refs []string) []string {
	var out []string
	for _, r := range refs {
		if _, err := j.Registry.Digest(ctx, image.Cut(r)); err == nil {
			out = append(out, r)
		}
	}
	return out
}

// relTo makes a clean slash path below root relative to it.
func relTo(root, p string) string {
	if root == "" {
		return p
	}
	if p == root {
		return "."
	}
	return strings.TrimPrefix(p, root+"/")
}

// scriptError names the script line that failed the way users wrote it.
func scriptError(s *manifest.Service, err error) error {
	var se *buildkit.StepError
	if !errors.As(err, &se) || se.Line == 0 {
		return fmt.Errorf("building: %w", err)
	}
	kind, n, line := "build", se.Line, ""
	if se.Line > len(s.Scripts.Build) {
		kind, n = "test", se.Line-len(s.Scripts.Build)
		line = s.Scripts.Test[n-1]
	} else {
		line = s.Scripts.Build[n-1]
	}
	return fmt.Errorf("%s script line %d `%s` exited with code %d", kind, n, line, se.ExitCode)
}

// parseUser reads "uid:gid"; empty is root.
func parseUser(u string) (int, int, error) {
	if u == "" {
		return 0, 0, nil
	}
	a, b, _ := strings.Cut(u, ":")
	uid, err1 := strconv.Atoi(a)
	gid, err2 := strconv.Atoi(b)
	if b == "" {
		gid, err2 = uid, nil
	}
	if err1 != nil || err2 != nil || uid < 0 || gid < 0 {
		return 0, 0, &UsageError{fmt.Sprintf("the user scripts run as must be uid:gid in numbers, not %q (XP_USER)", u)}
	}
	return uid, gid, nil
}
