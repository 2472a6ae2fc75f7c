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
	"github.com/x-platform/x-platform/internal/cachekey"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/redact"
	"github.com/x-platform/x-platform/internal/retry"
)

// build makes the image in one BuildKit solve — the commit's tree, the
// scripts, the Dockerfile — and puts it in the registry under the commit's
// tag and its key's tag. It returns the image's digest and, when the tree
// holds LFS pointers or submodules, a note saying so for the report.
func (p *Pipeline) build(ctx context.Context, s *manifest.Service, res gitsync.Result, ref string, in cachekey.Inputs) (string, string, error) {
	if err := p.ensureBuilder(ctx, s); err != nil {
		return "", "", err
	}
	spec, err := p.spec(s, res, ref, in)
	if err != nil {
		return "", "", err
	}
	note := unfetched(spec.Source)
	if note != "" {
		p.Progress.Stepf(s.Name, "warning: %s", note)
	}
	digest, err := p.solve(ctx, s, spec, ref)
	if err != nil {
		return "", note, err
	}
	if err := p.Registry.Tag(ctx, ref, image.KeyTag(in.Key())); err != nil {
		return "", note, fmt.Errorf("tagging %s with its cache key: %w", ref, err)
	}
	return digest, note, nil
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
// under ref; it returns the image's digest.
func (p *Pipeline) solve(ctx context.Context, s *manifest.Service, spec *buildkit.Spec, ref string) (string, error) {
	spec.CacheFrom = p.existing(ctx, spec.CacheFrom)
	out := p.Progress.Output(s.Name)
	defer out.Close()
	spec.Log = out
	if p.live {
		spec.Console = p.Progress.Terminal()
	}
	what := fmt.Sprintf("%d build and %d test lines in %s, then the image", len(s.Scripts.Build), len(s.Scripts.Test), s.DockerBuilder.Image)
	if !s.HasBuilder() {
		what = "the Dockerfile alone"
	}
	p.Progress.Stepf(s.Name, "building: %s", what)
	solveCtx, cancel := context.WithTimeout(ctx, s.BuildTimeout())
	defer cancel()
	built, err := p.Builder.Build(solveCtx, spec)
	for _, r := range built.Reports {
		p.Progress.Stepf(s.Name, "report: %s", r)
	}
	if err != nil && ctx.Err() == nil && errors.Is(solveCtx.Err(), context.DeadlineExceeded) {
		return "", fmt.Errorf("build timed out after %s (set a longer timeout: for the service in %s if it needs more)", retry.ShortDuration(s.BuildTimeout()), manifest.FileName)
	}
	if err != nil {
		return "", scriptError(s, err)
	}
	digest := built.Digest
	if digest == "" {
		// The engine's BuildKit put the image among the engine's images.
		p.Progress.Stepf(s.Name, "pushing %s", ref)
		if digest, err = p.Images.Push(ctx, ref, out); err != nil {
			return "", fmt.Errorf("pushing %s: %w", ref, err)
		}
	} else if err := p.Registry.Tag(ctx, image.Cut(ref).WithDigest(digest).String(), image.Cut(ref).Tag()); err != nil {
		return "", fmt.Errorf("tagging %s: %w", ref, err)
	}
	return digest, nil
}

// spec is the service's build at commit: paths are relative to the tree
// that the key covers (treePath), which is placed so that the scripts run
// where they always have, workdir/<git.path>.
func (p *Pipeline) spec(s *manifest.Service, res gitsync.Result, ref string, in cachekey.Inputs) (*buildkit.Spec, error) {
	commit := res.Commit
	root := treePath(s)
	src, err := p.Git.TreeFS(s.AbsDir, commit, root)
	if err != nil {
		return nil, fmt.Errorf("reading the commit's tree: %w", err)
	}
	return p.specOf(s, src, res, ref, in)
}

// specOf is the service's build from the tree src, as spec places it.
func (p *Pipeline) specOf(s *manifest.Service, src fsutil.FS, res gitsync.Result, ref string, in cachekey.Inputs) (*buildkit.Spec, error) {
	commit, root := res.Commit, treePath(s)
	uid, gid, err := parseUser(p.User)
	if err != nil {
		return nil, err
	}
	secrets, err := p.secrets(s)
	if err != nil {
		return nil, err
	}
	labels := labels(s, commit)
	maps.Copy(labels, in.Labels())
	env := map[string]string{"XP_SERVICE": s.Name, "XP_COMMIT": commit}
	maps.Copy(env, s.DockerBuilder.Env)
	rel := func(p string) string { return relTo(root, path.Clean(path.Join(s.Git.Path, filepath.ToSlash(p)))) }
	repo := image.Cut(ref)
	tags := image.NewTags(commit, in.Key(), res.Name, res.Kind == gitsync.Commit)
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
		ReportsTo:  filepath.Join(p.Manifest.Root, ".x-platform", "reports", s.Name),
		Dockerfile: rel(s.Docker.Dockerfile),
		Context:    rel(s.Docker.Context),
		Target:     s.Docker.Target,
		BuildArgs:  in.BuildArgs,
		Labels:     labels,
		Platforms:  p.platforms(s),
		Names:      []string{ref, repo.WithTag(tags.Key).String()},
		Insecure:   p.PlainHTTP != nil && p.PlainHTTP(ref),
		CacheFrom:  []string{repo.WithTag(tags.Cache()).String()},
		CacheTo:    repo.WithTag(tags.Cache()).String(),
		ByDigest:   true,
	}
	if tags.Branch != "" {
		// The last image of the branch carries its layers' cache inline.
		spec.CacheFrom = append(spec.CacheFrom, repo.WithTag(tags.Branch).String())
	}
	return spec, nil
}

// existing keeps the references that are in their registry: BuildKit
// reports a cache it cannot import as an error block in the log.
func (p *Pipeline) existing(ctx context.Context, refs []string) []string {
	var out []string
	for _, r := range refs {
		if _, err := p.Registry.Digest(ctx, r); err == nil {
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

func labels(s *manifest.Service, commit string) map[string]string {
	return map[string]string{
		"org.opencontainers.image.revision": commit,
		"org.opencontainers.image.source":   redact.Source(s.Git.Remote),
		"io.x-platform.service":             s.Name,
		"io.x-platform.reference":           s.Git.Reference,
	}
}
