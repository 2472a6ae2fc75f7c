package buildkit

import (
	"context"
	"fmt"
	"path"
	"strings"

	bk "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	gateway "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/tonistiigi/fsutil"

	"github.com/x-platform/x-platform/internal/image"
)

// Result is what a build made.
type Result struct {
	// Digest is the pushed image's manifest digest; "" when the image went
	// to the engine's images instead.
	Digest string
	// Reports are the host paths of the reports copied out.
	Reports []string
	// Daemon is where the build ran.
	Daemon string
}

// solve runs spec on c: the scripts, the reports out, then the Dockerfile
// with the scripts' result as its context, all in one build. The
// Dockerfile frontend runs here, in process, so every daemon gets the same
// Dockerfile syntax, old engines included. moby says whether c is the
// Docker engine's BuildKit, which exports into the engine's images.
func solve(ctx context.Context, c *bk.Client, spec *Spec, moby bool, attach []session.Attachable) (Result, error) {
	var res Result
	opt := bk.SolveOpt{
		LocalMounts:   map[string]fsutil.FS{sourceName: spec.Source},
		FrontendAttrs: spec.frontendAttrs(),
		Session:       append(attach, secretsprovider.FromMap(spec.Secrets)),
		Exports:       []bk.ExportEntry{spec.export(moby)},
		CacheImports:  spec.cacheImports(),
		CacheExports:  spec.cacheExports(moby),
	}
	status := make(chan *bk.SolveStatus)
	shown := show(ctx, spec, status)
	resp, err := c.Build(ctx, opt, "x-platform", func(ctx context.Context, gc gateway.Client) (*gateway.Result, error) {
		scripts, root, err := spec.runScripts(ctx, gc)
		if err != nil {
			return nil, err
		}
		if res.Reports, err = spec.copyReports(ctx, scripts, root); err != nil {
			return nil, err
		}
		return dockerfile(ctx, withInputs{Client: gc, inputs: spec.inputs(scripts, root)})
	}, status)
	failed := <-shown
	if err != nil {
		return res, describe(spec, err, failed)
	}
	if !moby {
		res.Digest = resp.ExporterResponse[exptypes.ExporterImageDigestKey]
	}
	return res, nil
}

// runScripts solves the scripts and returns their result and the folder
// in it that holds the tree.
func (s *Spec) runScripts(ctx context.Context, gc gateway.Client) (gateway.Reference, string, error) {
	st, root := s.scripts(gc)
	def, err := st.Marshal(ctx, llb.WithCaps(gc.BuildOpts().LLBCaps))
	if err != nil {
		return nil, "", fmt.Errorf("preparing the scripts: %w", err)
	}
	var imports []gateway.CacheOptionsEntry
	for _, c := range s.cacheImports() {
		imports = append(imports, gateway.CacheOptionsEntry{Type: c.Type, Attrs: c.Attrs})
	}
	r, err := gc.Solve(ctx, gateway.SolveRequest{Definition: def.ToPB(), Evaluate: true, CacheImports: imports})
	if err != nil {
		return nil, "", err
	}
	ref, err := r.SingleRef()
	return ref, root, err
}

// inputs are the Dockerfile frontend's context (the scripts' result, scoped
// to the context folder) and the tree the Dockerfile is read from.
func (s *Spec) inputs(scripts gateway.Reference, root string) map[string]llb.State {
	ctxState, err := scripts.ToState()
	if err != nil {
		ctxState = llb.Scratch()
	}
	if dir := path.Join(root, s.Context); dir != "/" {
		ctxState = llb.Scratch().File(llb.Copy(ctxState, dir, "/", &llb.CopyInfo{CopyDirContentsOnly: true}),
			llb.WithCustomName(s.Name+": the build context "+path.Clean(s.Context)))
	}
	return map[string]llb.State{
		"context":    ctxState,
		"dockerfile": llb.Local(sourceName, llb.SharedKeyHint(s.Name), llb.FollowPaths([]string{s.Dockerfile, s.Dockerfile + ".dockerignore"})),
	}
}

func (s *Spec) frontendAttrs() map[string]string {
	attrs := map[string]string{"filename": s.Dockerfile}
	if s.Target != "" {
		attrs["target"] = s.Target
	}
	if len(s.Platforms) > 0 {
		attrs["platform"] = strings.Join(s.Platforms, ",")
	}
	for k, v := range s.BuildArgs {
		attrs["build-arg:"+k] = v
	}
	for k, v := range s.Labels {
		attrs["label:"+k] = v
	}
	return attrs
}

func (s *Spec) export(moby bool) bk.ExportEntry {
	if moby {
		return bk.ExportEntry{Type: "moby", Attrs: map[string]string{"name": strings.Join(s.Names, ",")}}
	}
	attrs := map[string]string{"name": strings.Join(s.Names, ","), "push": "true"}
	if s.ByDigest {
		attrs["name"], attrs["push-by-digest"] = image.Cut(s.Names[0]).Repository(), "true"
	}
	if s.Insecure {
		attrs["registry.insecure"] = "true"
	}
	return bk.ExportEntry{Type: bk.ExporterImage, Attrs: attrs}
}

func (s *Spec) cacheImports() []bk.CacheOptionsEntry {
	var out []bk.CacheOptionsEntry
	for _, ref := range s.CacheFrom {
		out = append(out, bk.CacheOptionsEntry{Type: "registry", Attrs: s.registryAttrs(ref)})
	}
	return out
}

// cacheExports puts every step's cache in the registry. The engine's
// BuildKit cannot export a cache of its own; its image carries the cache of
// its layers inline instead.
func (s *Spec) cacheExports(moby bool) []bk.CacheOptionsEntry {
	if moby {
		return []bk.CacheOptionsEntry{{Type: "inline"}}
	}
	if s.CacheTo == "" {
		return nil
	}
	attrs := s.registryAttrs(s.CacheTo)
	attrs["mode"] = "max"
	return []bk.CacheOptionsEntry{{Type: "registry", Attrs: attrs}}
}

func (s *Spec) registryAttrs(ref string) map[string]string {
	attrs := map[string]string{"ref": ref}
	if s.Insecure {
		attrs["registry.insecure"] = "true"
	}
	return attrs
}

// withInputs hands the Dockerfile frontend its context and Dockerfile as
// inputs, as if a client had passed them.
type withInputs struct {
	gateway.Client
	inputs map[string]llb.State
}

func (w withInputs) Inputs(context.Context) (map[string]llb.State, error) { return w.inputs, nil }
