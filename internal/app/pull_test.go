package app

import (
	"bytes"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/manifest"
)

// TestPullPrecedence: --pull wins over XP_PULL, which wins over the
// manifest's pull:, each way round.
func TestPullPrecedence(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      string // XP_PULL, "" for unset
		manifest bool
		want     bool
	}{
		{name: "nothing set", want: false},
		{name: "manifest", manifest: true, want: true},
		{name: "variable over an unset manifest", env: "true", want: true},
		{name: "variable false over the manifest", env: "false", manifest: true, want: false},
		{name: "flag", args: []string{"--pull"}, want: true},
		{name: "flag false over the variable", args: []string{"--pull=false"}, env: "true", want: false},
		{name: "flag false over the manifest", args: []string{"--pull=false"}, manifest: true, want: false},
		{name: "flag over a false variable", args: []string{"--pull"}, env: "0", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("XP_PULL", tt.env)
			}
			got, err := pullSetting(tt.args, &manifest.Manifest{Pull: tt.manifest})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("pull = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPullVariableNotABoolean: a bad XP_PULL is a usage error naming it.
func TestPullVariableNotABoolean(t *testing.T) {
	t.Setenv("XP_PULL", "sometimes")
	var out, errOut bytes.Buffer
	code := Run(t.Context(), []string{"x-platform", "--file", "/nonexistent/x-platform.yml", "build"}, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	if code != ExitUsage || !strings.Contains(errOut.String(), "XP_PULL") || out.Len() != 0 {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, out.String(), errOut.String())
	}
}

// pullSetting runs a command that takes --pull, as build does, with args
// and says what it would pull by.
func pullSetting(args []string, m *manifest.Manifest) (bool, error) {
	var got bool
	cmd := &cli.Command{Name: "build", Flags: []cli.Flag{pullFlag()}, Action: func(c *cli.Context) error {
		got = pullImages(c, m)
		return nil
	}}
	app := &cli.App{Name: "x-platform", Commands: []*cli.Command{cmd}, Writer: &bytes.Buffer{}, ErrWriter: &bytes.Buffer{}}
	withEnvVars(app.Flags, app.Commands)
	err := app.Run(append([]string{"x-platform", "build"}, args...))
	return got, err
}
