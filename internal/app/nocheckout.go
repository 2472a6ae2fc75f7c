package app

import (
	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/manifest"
)

// noCheckoutFlag keeps the tree's files out of new checkouts, for a
// machine that builds once: builds read the tree from git's objects
// (XP_NO_CHECKOUT in CI).
func noCheckoutFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "no-checkout", Usage: "clone checkouts without writing their files, only .git at the commit (overrides git.checkout in " + manifest.FileName + "); --no-checkout=false writes them"}
}

// applyNoCheckout gives every service --no-checkout (or XP_NO_CHECKOUT)
// when given, false included, which outranks git.checkout in the
// manifest.
func applyNoCheckout(c *cli.Context, m *manifest.Manifest) {
	if !c.IsSet("no-checkout") {
		return
	}
	for _, s := range m.Services {
		s.Git.NoCheckout = c.Bool("no-checkout")
	}
}
