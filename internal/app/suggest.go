package app

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/x-platform/x-platform/internal/similar"
)

// suggest returns the candidate closest to name by edit distance, or ""
// when none is close enough to be what was meant: at most a third of the
// longer name changed, or name a prefix of exactly one candidate.
func suggest(name string, candidates []string) string {
	best, bestDist := "", -1
	var prefixed []string
	for _, c := range candidates {
		if strings.HasPrefix(c, name) && name != "" {
			prefixed = append(prefixed, c)
		}
		d := similar.Distance(name, c)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	if bestDist >= 0 && bestDist*3 <= max(len(name), len(best)) {
		return best
	}
	return ""
}

// unknownCommand is the error for a first argument that names no command.
func unknownCommand(app *cli.App, name string) error {
	var names []string
	for _, c := range app.Commands {
		if !c.Hidden {
			names = append(names, c.Names()...)
		}
	}
	msg := fmt.Sprintf("unknown command %q", name)
	if s := suggest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return usageError{fmt.Errorf("%s (see x-platform --help)", msg)}
}

// flagSuggestion says which flag of flags an unknown one probably meant,
// from the flag package's "flag provided but not defined: -name".
func flagSuggestion(err error, flags []cli.Flag) string {
	_, given, ok := strings.Cut(err.Error(), "flag provided but not defined: ")
	if !ok {
		return ""
	}
	given = strings.TrimLeft(given, "-")
	var names []string
	for _, f := range flags {
		if vf, ok := f.(cli.VisibleFlag); ok && !vf.IsVisible() {
			continue
		}
		names = append(names, f.Names()...)
	}
	s := suggest(given, names)
	if s == "" {
		return ""
	}
	if len(s) == 1 {
		return "-" + s
	}
	return "--" + s
}
