package app

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// outputFlag is --output, taken before the command name and after it.
func outputFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "text", Usage: "result format on stdout: text or json"}
}

// silent lists the commands that print no report, so take no --output.
var silent = map[string]bool{"completion": true, "help": true, "credential-hosts": true, "preview": true, "import": true}

// withOutputFlag gives every command that reports its own --output, so
// `x-platform status -o json` works as `x-platform -o json status` does.
func withOutputFlag(cmds []*cli.Command) {
	for _, c := range cmds {
		withOutputFlag(c.Subcommands)
		if silent[c.Name] {
			continue
		}
		c.Flags = append(c.Flags, outputFlag())
		before := c.Before
		c.Before = func(c *cli.Context) error {
			if o := outputFormat(c); o != "text" && o != "json" {
				return usageError{fmt.Errorf("--output must be text or json, not %q", o)}
			}
			if before != nil {
				return before(c)
			}
			return nil
		}
	}
}

// rename is a flag's new name and the old one it still answers to.
type rename struct{ old, new string }

// renamed are the flags renamed so that a flag name means one thing in
// every command; each old spelling stays as a hidden alias that warns.
var renamed = map[string]rename{
	"rollback": {old: "to", new: "revision"},            // promote's --to is an environment
	"status":   {old: "dry-run", new: "server-dry-run"}, // preview gc's --dry-run deletes nothing
}

// withRenamedFlags adds each renamed flag's old spelling to its command,
// hidden, and a Before that warns when it is used and hands its value to
// the new name.
func withRenamedFlags(cmds []*cli.Command) {
	for _, c := range cmds {
		r, ok := renamed[c.Name]
		if !ok {
			continue
		}
		c.Flags = append(c.Flags, hiddenCopy(c, r))
		before := c.Before
		c.Before = func(c *cli.Context) error {
			if c.IsSet(r.old) {
				if c.IsSet(r.new) {
					return usageError{fmt.Errorf("--%s and its old name --%s are both set: keep --%s", r.new, r.old, r.new)}
				}
				fmt.Fprintf(c.App.ErrWriter, "x-platform: --%s of %s is deprecated and will be removed: use --%s\n", r.old, c.Command.Name, r.new)
				if err := c.Set(r.new, fmt.Sprint(c.Value(r.old))); err != nil {
					return usageError{fmt.Errorf("--%s: %w", r.old, err)}
				}
			}
			if before != nil {
				return before(c)
			}
			return nil
		}
	}
}

// hiddenCopy is the flag r.old of the same type as c's flag r.new.
func hiddenCopy(c *cli.Command, r rename) cli.Flag {
	for _, f := range c.Flags {
		if f.Names()[0] != r.new {
			continue
		}
		usage := "old name of --" + r.new
		switch f.(type) {
		case *cli.IntFlag:
			return &cli.IntFlag{Name: r.old, Hidden: true, Usage: usage}
		case *cli.BoolFlag:
			return &cli.BoolFlag{Name: r.old, Hidden: true, Usage: usage}
		case *cli.StringFlag:
			return &cli.StringFlag{Name: r.old, Hidden: true, Usage: usage}
		}
		panic(fmt.Sprintf("%s --%s: %T cannot be renamed", c.Name, r.new, f))
	}
	panic(fmt.Sprintf("%s has no flag --%s", c.Name, r.new))
}

// versionFlag is the top-level --version, made anew for each app: the
// library writes to a flag when it applies it.
func versionFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "version", Usage: "print the version and exit", DisableDefaultText: true}
}

// rootAction runs when no command is named: --version, help, or an
// unknown command with a suggestion.
func rootAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return unknownCommand(c.App, c.Args().First())
	}
	if c.Bool("version") {
		return writeVersion(c)
	}
	return cli.ShowAppHelp(c)
}

// oneDefault prints a flag's default once: not when its usage already
// says it, nor when it is the zero value, which says nothing.
func oneDefault(base cli.FlagStringFunc) cli.FlagStringFunc {
	return func(f cli.Flag) string {
		s := base(f)
		df, ok := f.(cli.DocGenerationFlag)
		if !ok {
			return s
		}
		def := df.GetDefaultText()
		switch {
		case def == "":
			return s
		case strings.Contains(df.GetUsage(), "default"), def == "0", def == "0s", def == "false", def == `""`:
			return strings.Replace(s, " (default: "+def+")", "", 1)
		}
		return s
	}
}
