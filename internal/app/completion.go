package app

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

// The bash and zsh scripts answer a Tab in the shell itself: the tables of
// commands and flags are written into the script when it is made (see
// completionLib) and the engine, complete.bash, reads the manifest for the
// names, so a Tab starts neither the program nor a container. The bash one
// needs no bash-completion package, so that macOS's bash 3.2 runs it too;
// zsh hands the words to bash, which every Mac and Linux machine has.
const bashGlue = `
_x_platform() {
  local IFS=$'\n'
  # shellcheck disable=SC2207 # one candidate a line
  COMPREPLY=($(xp_complete "${COMP_WORDS[@]:1:COMP_CWORD-1}" "${COMP_WORDS[COMP_CWORD]}"))
}
complete -o bashdefault -o default -F _x_platform x-platform bin/x-platform ./bin/x-platform
`

const zshScript = `#compdef x-platform
# zsh completion for x-platform: source <(x-platform completion zsh)
# The candidates come from the bash functions below, run by bash.
_x_platform_lib=$(cat <<'XP_LIB'
%sXP_LIB
)
_x_platform_candidates() {
  bash --norc --noprofile -c "$_x_platform_lib"$'\nxp_complete "$@"' x-platform "$@"
}
_x_platform() {
  local -a opts
  opts=("${(@f)$(_x_platform_candidates "${(@)words[2,CURRENT-1]}" "${words[CURRENT]}" 2>/dev/null)}")
  if [[ -n "${opts[1]}" ]]; then
    compadd -a opts
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
		return "# shellcheck shell=bash\n# bash completion for x-platform: source <(x-platform completion bash)\n" + completionLib(newApp(Streams{})) + bashGlue, nil
	case "zsh":
		return fmt.Sprintf(zshScript, completionLib(newApp(Streams{}))), nil
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
