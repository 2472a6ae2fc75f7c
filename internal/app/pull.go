package app

import (
	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/manifest"
)

// pullFlag asks for the old way: the engine gets every commit's image the
// registry already has, for those who run the images on the build machine.
func pullFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "pull", Usage: "pull the commit's image into the local engine when the registry has it (pulled), instead of only finding it there (found); default: the manifest's pull:"}
}

// pullImages is --pull (or XP_PULL) when given, false included, else the
// manifest's pull:. A command without the flag takes the manifest's.
func pullImages(c *cli.Context, m *manifest.Manifest) bool {
	if c.IsSet("pull") {
		return c.Bool("pull")
	}
	return m.Pull
}
