package buildkit

import (
	"context"
	"fmt"
	"maps"

	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	gateway "github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// dockerfile builds the Dockerfile of c's inputs with the Dockerfile
// frontend's own conversion, here in process: every daemon then gets the
// same Dockerfile syntax, old engines included. Unlike the frontend's
// entry point it never forwards to the image a `# syntax=` line names,
// which would be pulled from a registry an air-gapped build cannot reach;
// and it resolves base images without the entry point's resolve cache,
// whose concurrent use by multi-stage Dockerfiles races.
func dockerfile(ctx context.Context, c gateway.Client) (*gateway.Result, error) {
	bc, err := dockerui.NewClient(c)
	if err != nil {
		return nil, fmt.Errorf("reading the build options: %w", err)
	}
	src, err := bc.ReadEntrypoint(ctx, "Dockerfile")
	if err != nil {
		return nil, err
	}
	convert := dockerfile2llb.ConvertOpt{
		Config:       bc.Config,
		Client:       bc,
		SourceMap:    src.SourceMap,
		MetaResolver: c,
	}
	rb, err := bc.Build(ctx, func(ctx context.Context, platform *ocispecs.Platform, _ int) (*dockerui.BuildResult, error) {
		opt := convert
		opt.BuildArgs = maps.Clone(opt.BuildArgs)
		opt.TargetPlatform = platform
		res, err := dockerfile2llb.Dockerfile2LLB(ctx, src.Data, opt)
		if err != nil {
			return nil, err
		}
		def, err := res.State.Marshal(ctx)
		if err != nil {
			return nil, fmt.Errorf("preparing the Dockerfile's steps: %w", err)
		}
		r, err := c.Solve(ctx, gateway.SolveRequest{Definition: def.ToPB(), CacheImports: bc.CacheImports})
		if err != nil {
			return nil, err
		}
		ref, err := r.SingleRef()
		if err != nil {
			return nil, err
		}
		return &dockerui.BuildResult{Reference: ref, Image: res.Image, BaseImage: res.BaseImage, Epoch: res.Epoch}, nil
	})
	if err != nil {
		return nil, err
	}
	return rb.Finalize()
}
