package baseimage

import "context"

// GoToolchainRebuilt is GoToolchain with the toolchain's programs built for the image,
// as on a machine whose own programs do not run there.
func GoToolchainRebuilt(ctx context.Context, c ToolchainClient, ref, baseRef string) error {
	return goToolchain(ctx, c, ref, baseRef, true)
}
