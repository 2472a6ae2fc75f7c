package app

import (
	"bytes"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/manifest"
)

// TestNoCheckoutPrecedence: --no-checkout wins over XP_NO_CHECKOUT, which
// wins over each service's git.checkout (itself over the top level's,
// which the manifest package tests), each way round.
func TestNoCheckoutPrecedence(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      string // XP_NO_CHECKOUT, "" for unset
		manifest [2]bool
		want     [2]bool
	}{
		{name: "nothing set"},
		{name: "manifest", manifest: [2]bool{true, false}, want: [2]bool{true, false}},
		{name: "variable over the manifest", env: "1", manifest: [2]bool{true, false}, want: [2]bool{true, true}},
		{name: "variable false over the manifest", env: "false", manifest: [2]bool{true, true}},
		{name: "flag", args: []string{"--no-checkout"}, want: [2]bool{true, true}},
		{name: "flag false over the variable", args: []string{"--no-checkout=false"}, env: "true"},
		{name: "flag false over the manifest", args: []string{"--no-checkout=false"}, manifest: [2]bool{true, true}},
		{name: "flag over a false variable", args: []string{"--no-checkout"}, env: "0", want: [2]bool{true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("XP_NO_CHECKOUT", tt.env)
			}
			m := &manifest.Manifest{Services: []*manifest.Service{{Name: "a"}, {Name: "b"}}}
			for i, s := range m.Services {
				s.Git.NoCheckout = tt.manifest[i]
			}
			if err := noCheckoutSetting(tt.args, m); err != nil {
				t.Fatal(err)
			}
			if got := [2]bool{m.Services[0].Git.NoCheckout, m.Services[1].Git.NoCheckout}; got != tt.want {
				t.Fatalf("NoCheckout = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestNoCheckoutVariableNotABoolean: a bad XP_NO_CHECKOUT is a usage
// error naming it.
func TestNoCheckoutVariableNotABoolean(t *testing.T) {
	t.Setenv("XP_NO_CHECKOUT", "sometimes")
	var out, errOut bytes.Buffer
	code := Run(t.Context(), []string{"x-platform", "--file", "/nonexistent/x-platform.yml", "sync"}, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	if code != ExitUsage || !strings.Contains(errOut.String(), "XP_NO_CHECKOUT") || out.Len() != 0 {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, out.String(), errOut.String())
	}
}

// TestNoCheckoutWhereverDepth: every command that takes --depth takes
// --no-checkout too.
func TestNoCheckoutWhereverDepth(t *testing.T) {
	syncing := 0
	var walk func([]*cli.Command, string)
	walk = func(cmds []*cli.Command, prefix string) {
		for _, c := range cmds {
			var depth, noCheckout bool
			for _, f := range c.Flags {
				depth = depth || f.Names()[0] == "depth"
				noCheckout = noCheckout || f.Names()[0] == "no-checkout"
			}
			if depth {
				syncing++
			}
			if depth != noCheckout {
				t.Errorf("%s%s: --depth %v, --no-checkout %v; want both or neither", prefix, c.Name, depth, noCheckout)
			}
			walk(c.Subcommands, prefix+c.Name+" ")
		}
	}
	walk(commands(), "")
	if syncing < 2 {
		t.Errorf("%d commands take --depth; want build and sync at least", syncing)
	}
}

// noCheckoutSetting runs a command that takes --no-checkout, as build
// does, with args, and applies it to m.
func noCheckoutSetting(args []string, m *manifest.Manifest) error {
	cmd := &cli.Command{Name: "build", Flags: []cli.Flag{noCheckoutFlag()}, Action: func(c *cli.Context) error {
		applyNoCheckout(c, m)
		return nil
	}}
	app := &cli.App{Name: "x-platform", Commands: []*cli.Command{cmd}, Writer: &bytes.Buffer{}, ErrWriter: &bytes.Buffer{}}
	withEnvVars(app.Flags, app.Commands)
	return app.Run(append([]string{"x-platform", "build"}, args...))
}
