package app

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/manifest"
)

// completeFlag is the last argument with which the completion scripts ask
// for candidates: `x-platform WORDS… CURRENT --generate-bash-completion`,
// CURRENT being the word under the cursor, possibly "".
const completeFlag = "--generate-bash-completion"

// valueNames says which names a flag's value is completed with.
var valueNames = map[string]string{
	"env": "environments", "from": "environments", "to": "environments",
	"services": "services", "output": "formats",
}

// argNames says which names a command's arguments are completed with.
var argNames = map[string]string{
	"pin": "services", "sbom": "services", "update-builder": "builders", "completion": "shells", "help": "commands",
	"delete": "previews", // preview delete: the names the last preview commands saw (previewNamesFile)
}

// complete writes the candidates for the word after words, one a line:
// commands, subcommands, flags, and from the manifest the names of
// environments and services. It reads only the manifest and the overlay
// folders, so that a Tab never waits on an engine, a remote or a cluster.
func complete(app *cli.App, words []string, out io.Writer) error {
	cur := ""
	if len(words) > 0 {
		words, cur = words[:len(words)-1], words[len(words)-1]
	}
	var cmd *cli.Command
	flags, subs := app.Flags, app.Commands
	file, kind, args := os.Getenv("XP_FILE"), "", 0
	for i := 0; i < len(words); i++ {
		w := words[i]
		if strings.HasPrefix(w, "-") && len(w) > 1 {
			name, _, inline := strings.Cut(strings.TrimLeft(w, "-"), "=")
			f := findFlag(flags, name)
			if f == nil || inline || !takesValue(f) {
				continue
			}
			if i+1 == len(words) {
				kind = valueNames[f.Names()[0]]
				if kind == "" {
					return nil // a value nothing knows, such as a path: the shell's own completion
				}
				break
			}
			if f.Names()[0] == "file" {
				file = words[i+1]
			}
			i++
			continue
		}
		if c := findCommand(subs, w); c != nil {
			cmd, flags, subs = c, c.Flags, c.Subcommands
			continue
		}
		args++
	}
	var cands []string
	switch {
	case kind != "":
		cands = names(kind, file, app)
	case strings.HasPrefix(cur, "-"):
		cands = flagNames(flags)
	case cmd == nil && args == 0, len(subs) > 0 && args == 0:
		cands = visibleCommandNames(subs)
	case cmd != nil && args == 0:
		cands = names(argNames[cmd.Name], file, app)
	}
	for _, c := range cands {
		if strings.HasPrefix(c, cur) {
			if _, err := fmt.Fprintln(out, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// names are the candidates of one kind.
func names(kind, file string, app *cli.App) []string {
	switch kind {
	case "formats":
		return []string{"text", "json"}
	case "shells":
		return []string{"bash", "zsh", "fish"}
	case "commands":
		return visibleCommandNames(app.Commands)
	case "environments", "services", "builders", "previews":
		return manifestNames(kind, file)
	}
	return nil
}

// manifestNames reads the manifest's services, or its environments (its
// entries and the overlay folders), or the builder folders beside it.
func manifestNames(kind, file string) []string {
	if file == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil
		}
		if file, err = manifest.Find(wd); err != nil {
			return nil
		}
	}
	root := filepath.Dir(file)
	if kind == "previews" {
		return readPreviewNames(previewNamesFile(root))
	}
	var out []string
	switch kind {
	case "builders":
		out = dirNames(filepath.Join(root, "builders"))
	case "environments":
		out = dirNames(filepath.Join(root, KustomizeDir, "overlays"))
	}
	// update-builder takes builder folders and services alike.
	if m, err := manifest.Load(file); err == nil {
		if kind == "environments" {
			for _, e := range m.Environments {
				out = append(out, e.Name)
			}
		} else {
			for _, s := range m.Services {
				out = append(out, s.Name)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func dirNames(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

// takesValue says whether the word after the flag is its value: not for
// a flag whose value is optional (--wait[=5m]), as in the flag package.
func takesValue(f cli.Flag) bool {
	if g, ok := f.(*cli.GenericFlag); ok {
		if b, ok := g.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			return false
		}
	}
	df, ok := f.(cli.DocGenerationFlag)
	return ok && df.TakesValue()
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

func visibleCommandNames(cmds []*cli.Command) []string {
	var out []string
	for _, c := range cmds {
		if !c.Hidden {
			out = append(out, c.Name)
		}
	}
	return out
}

func flagNames(flags []cli.Flag) []string {
	var out []string
	for _, f := range flags {
		if vf, ok := f.(cli.VisibleFlag); ok && !vf.IsVisible() {
			continue
		}
		for _, n := range f.Names() {
			if len(n) == 1 {
				out = append(out, "-"+n)
			} else {
				out = append(out, "--"+n)
			}
		}
	}
	return out
}
