package app

import (
	"flag"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// urfave/cli shares two package-level values among every app it sets up,
// and writes to both: the --help flag (BoolFlag.Apply records its default)
// and the help command (each command's setup names it). Apps that run at
// once — tests, or a program embedding two — race on them. Each app here
// gets a help command of its own, commands get none, and the flag is
// applied from a copy.

// helpFlag applies a copy of the shared --help flag.
type helpFlag struct{ *cli.BoolFlag }

// Apply registers a copy of the flag, leaving the shared one untouched.
func (f helpFlag) Apply(set *flag.FlagSet) error {
	c := *f.BoolFlag
	return c.Apply(set)
}

func init() {
	if b, ok := cli.HelpFlag.(*cli.BoolFlag); ok {
		cli.HelpFlag = helpFlag{b}
	}
	// Set once, before any app runs; see oneDefault.
	cli.FlagStringer = oneDefault(cli.FlagStringer)
}

// helpCommand is `x-platform help [command]`, made anew for each app.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Aliases:   []string{"h"},
		Usage:     "show the commands, or one command's help",
		ArgsUsage: "[command]",
		HideHelp:  true,
		Action: func(c *cli.Context) error {
			root := c.Lineage()[1]
			if name := c.Args().First(); name != "" {
				return cli.ShowCommandHelp(root, name)
			}
			return cli.ShowAppHelp(root)
		},
	}
}

// withoutSharedHelp keeps urfave/cli from adding its shared help command
// below each command; --help still works on every one.
func withoutSharedHelp(cmds []*cli.Command) {
	for _, c := range cmds {
		c.HideHelpCommand = true
		withoutSharedHelp(c.Subcommands)
	}
}

// categories are the groups of the commands in help, in the order it
// shows them; commandCategory puts every command in one.
var categories = []string{"build", "deploy", "environments", "registry", "other"}

var commandCategory = map[string]string{
	"build": "build", "sync": "build", "plan": "build", "lock": "build", "list": "build", "pin": "build", "update-builder": "build",
	"deploy": "deploy", "render": "deploy", "diff": "deploy", "rollback": "deploy", "promote": "deploy", "canary": "deploy", "test": "deploy", "secret": "deploy",
	"status": "environments", "history": "environments", "preview": "environments",
	"cleanup": "registry", "verify": "registry", "sbom": "registry", "scan": "registry",
	"init": "other", "import": "other", "version": "other", "completion": "other", "help": "other", "credential-hosts": "other",
}

// withCategories files each command under its category.
func withCategories(cmds []*cli.Command) {
	for _, c := range cmds {
		cat, ok := commandCategory[c.Name]
		if !ok {
			panic("command " + c.Name + " has no help category")
		}
		c.Category = cat
	}
}

// appHelpTemplate is urfave/cli's with the commands grouped in the order
// of categories, which the library would sort by name.
func appHelpTemplate() string {
	var groups strings.Builder
	for _, cat := range categories {
		fmt.Fprintf(&groups, "\n   %s:{{range .VisibleCommands}}{{if eq .Category %q}}\n     {{join .Names \", \"}}{{\"\\t\"}}{{.Usage}}{{end}}{{end}}", cat, cat)
	}
	return strings.Replace(cli.AppHelpTemplate, `{{template "visibleCommandCategoryTemplate" .}}`, groups.String(), 1)
}
