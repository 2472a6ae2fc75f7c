package app

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

// The bash and zsh scripts ask the program itself for candidates with
// `WORDS… CURRENT --generate-bash-completion` (see complete), so they
// follow every command, flag and manifest without being regenerated. The bash one needs no bash-completion
// package, so that macOS's bash 3.2 runs it too.
const bashCompletion = `# bash completion for x-platform: source <(x-platform completion bash)
_x_platform() {
  local cur="${COMP_WORDS[COMP_CWORD]}" opts
  local words=("${COMP_WORDS[@]:0:COMP_CWORD}")
  opts=$("${words[@]}" "$cur" --generate-bash-completion 2>/dev/null)
  local IFS=$'\n'
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o bashdefault -o default -F _x_platform x-platform bin/x-platform ./bin/x-platform
`

const zshCompletion = `#compdef x-platform
# zsh completion for x-platform: source <(x-platform completion zsh)
_x_platform() {
  local -a opts
  local cur=${words[CURRENT]}
  opts=("${(@f)$(${words[@]:0:CURRENT-1} "${cur}" --generate-bash-completion 2>/dev/null)}")
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef _x_platform x-platform bin/x-platform
`

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: source <(x-platform completion bash)",
		ArgsUsage: "bash|zsh|fish",
		Action: func(c *cli.Context) error {
			script, err := completion(c.App, c.Args().First())
			if err != nil {
				return err
			}
			_, err = io.WriteString(c.App.Writer, script)
			return err
		},
	}
}

func completion(app *cli.App, shell string) (string, error) {
	switch shell {
	case "bash":
		return bashCompletion, nil
	case "zsh":
		return zshCompletion, nil
	case "fish":
		script, err := app.ToFishCompletion()
		if err != nil {
			return "", fmt.Errorf("generating the fish completion: %w", err)
		}
		return script, nil
	}
	return "", usageError{fmt.Errorf("completion takes bash, zsh or fish, not %q", shell)}
}

// envVars keeps a flag's own variable (--builder: XP_BUILDERS), else name.
func envVars(own []string, name string) []string {
	if len(own) > 0 {
		return own
	}
	return []string{name}
}

// withEnvVars lets every flag of cmds come from XP_<NAME> (--keep-going:
// XP_KEEP_GOING), as CI variables set them; --help shows the variable.
func withEnvVars(flags []cli.Flag, cmds []*cli.Command) {
	for _, f := range flags {
		name := "XP_" + strings.ToUpper(strings.ReplaceAll(f.Names()[0], "-", "_"))
		switch f := f.(type) {
		case *cli.StringFlag:
			f.EnvVars = envVars(f.EnvVars, name)
		case *cli.BoolFlag:
			f.EnvVars = envVars(f.EnvVars, name)
		case *cli.IntFlag:
			f.EnvVars = envVars(f.EnvVars, name)
		case *cli.StringSliceFlag:
			f.EnvVars = envVars(f.EnvVars, name)
		case *cli.DurationFlag:
			f.EnvVars = envVars(f.EnvVars, name)
		case *cli.GenericFlag:
			f.EnvVars = envVars(f.EnvVars, name)
		default:
			panic(fmt.Sprintf("flag --%s (%T) has no environment variable", f.Names()[0], f))
		}
	}
	for _, c := range cmds {
		withEnvVars(c.Flags, c.Subcommands)
	}
}
