package app

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// completeEngine walks the words of a command line with the tables
// completionLib writes, as complete does in the program.
//
//go:embed complete.bash
var completeEngine string

// completionLib is the shell half of completion: a function xp_cli that
// sets, for a command path ("" for the program, "preview list" for a
// subcommand), its subcommands (word:name, aliases included), the visible
// ones, its visible flags, the flags that take a value (word:kind, kind
// being the names the value is completed with, file for --file, value for
// anything else) and the kind of its arguments; then the engine. app must
// not have run: the tables are the ones complete reads.
func completionLib(app *cli.App) string {
	var b strings.Builder
	b.WriteString("# Made by `x-platform completion bash` from the program's commands and\n" +
		"# flags; answers a Tab without starting the program. Portable bash (macOS's\n" +
		"# 3.2), awk and sort only.\n\n")
	b.WriteString("# xp_cli PATH sets the tables of the command PATH.\nxp_cli() {\n  case \"$1\" in\n")
	var walk func(path, name string, flags []cli.Flag, subs []*cli.Command)
	walk = func(path, name string, flags []cli.Flag, subs []*cli.Command) {
		var subWords, values []string
		for _, c := range subs {
			for _, n := range c.Names() {
				subWords = append(subWords, n+":"+c.Name)
			}
		}
		for _, f := range flags {
			if !takesValue(f) {
				continue
			}
			kind := valueNames[f.Names()[0]]
			switch {
			case f.Names()[0] == "file":
				kind = "file"
			case kind == "":
				kind = "value"
			}
			for _, n := range f.Names() {
				values = append(values, n+":"+kind)
			}
		}
		fmt.Fprintf(&b, "    %q)\n", path)
		fmt.Fprintf(&b, "      xp_subs=(%s)\n", strings.Join(subWords, " "))
		fmt.Fprintf(&b, "      xp_visible=(%s)\n", strings.Join(visibleCommandNames(subs), " "))
		fmt.Fprintf(&b, "      xp_flags=(%s)\n", strings.Join(flagNames(flags), " "))
		fmt.Fprintf(&b, "      xp_values=(%s)\n", strings.Join(values, " "))
		fmt.Fprintf(&b, "      xp_arg=%s\n      ;;\n", argNames[name])
		for _, c := range subs {
			walk(strings.TrimSpace(path+" "+c.Name), c.Name, c.Flags, c.Subcommands)
		}
	}
	walk("", "", app.Flags, app.Commands)
	b.WriteString("  esac\n}\n")
	b.WriteString(completeEngine)
	return b.String()
}
