package app

import (
	"errors"
	"fmt"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// The manual is README.md and docs/: a user copies commands and flags from
// it, so every name it gives must be one the command line knows, and the
// README's command table must list every command there is.

// TestDocsNameRealCommandsAndFlags reads every code span and code block of
// README.md and docs/**/*.md and looks each `x-platform <command>` and
// each --flag up in the app.
func TestDocsNameRealCommandsAndFlags(t *testing.T) {
	app := newApp(Streams{})
	files := docFiles(t)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(repoRoot(t), f)
		for _, p := range docProblems(app, string(b)) {
			t.Errorf("%s:%s", rel, p)
		}
	}
}

// TestReadmeListsEveryCommand checks the README's command table names each
// command and subcommand the app has (hidden ones aside), and nothing else.
func TestReadmeListsEveryCommand(t *testing.T) {
	app := newApp(Streams{})
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	listed := commandTable(app, string(b))
	if len(listed) == 0 {
		t.Fatal("README.md has no command table (rows starting with | `x-platform COMMAND …`)")
	}
	for _, name := range commandNames(app.Commands, "") {
		if !listed[name] {
			t.Errorf("README.md's command table has no row for x-platform %s", name)
		}
	}
}

// TestDocProblemsFindsUnknownNames shows the check above fails on a
// misspelt command or flag, and lets other tools' flags be.
func TestDocProblemsFindsUnknownNames(t *testing.T) {
	app := newApp(Streams{})
	for _, tc := range []struct {
		doc  string
		want []string
	}{
		{"Run `x-platform build --jobs 2 --services a`.", nil},
		{"Run `x-platform build --no-such-flag`.", []string{"build has no flag --no-such-flag"}},
		{"Run `x-platform frobnicate`.", []string{`no command "frobnicate"`}},
		{"`render --timeout 5m`", []string{"render has no flag --timeout"}},
		{"`preview gc --dry-run` and `preview list --dry-run`", []string{"preview list has no flag --dry-run"}},
		{"`preview frob`", []string{`preview has no subcommand "frob"`}},
		{"With `--keep-going` or\n`--keep-gong`.", []string{"2: no command has a flag --keep-gong"}},
		{"```\nbin/x-platform deploy --env staging --sync   # the --sync is deploy's\nbin/x-platform deploy --env e --fetch\n```", []string{"3: x-platform deploy has no flag --fetch"}},
		{"`another x-platform run holds <lock file> (pid N): wait for it, or pass --wait`", nil},
		{"`XP_LOCAL=1 bin/x-platform build --bogus`", []string{"build has no flag --bogus"}},
		{"```yaml\ncommand: [migrate, --check]   # --no-rollback keeps it; --nope\n```", []string{"no command has a flag --nope"}},
		{"`x-platform --output json --offline plan`, `x-platform [--file F] COMMAND --help`", nil},
		{"`x-platform [--wait[=5m]] --output=json build [--jobs=2]`", nil},
		{"`cosign verify --key k --insecure-ignore-tlog=true IMG`, `git fetch --unshallow`, `RUN --mount=type=cache`", nil},
		{"`x-platform.yml`, `x-platform: unknown command`, `source <(x-platform completion bash)`", nil},
		{"`bin/x-update-builder zbackend --build-arg K=V --bogus`", []string{"update-builder has no flag --bogus"}},
	} {
		got := docProblems(app, tc.doc)
		if len(got) != len(tc.want) {
			t.Errorf("%q: problems %q, want %d like %q", tc.doc, got, len(tc.want), tc.want)
			continue
		}
		for i, w := range tc.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%q: problem %q, want it to say %q", tc.doc, got[i], w)
			}
		}
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func docFiles(t *testing.T) []string {
	t.Helper()
	root := repoRoot(t)
	files := []string{filepath.Join(root, "README.md")}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 6 {
		t.Fatalf("found only %d manual pages: %v", len(files), files)
	}
	return files
}

var (
	fence    = regexp.MustCompile("(?ms)^ *```([a-z]*)\n(.*?)^ *```")
	codeSpan = regexp.MustCompile("`([^`]+)`")
	bareFlag = regexp.MustCompile(`(?:^|[\s(\[,/])--([a-z][a-z0-9-]*)`)
)

// docProblems returns "line: problem" for each unknown command or flag of
// a markdown text. A snippet — a code span, or a line of a code block —
// is read by its first word: x-platform (or bin/x-platform,
// bin/x-update-builder) or one of its commands starts a command line whose
// flags must be that command's or global; a snippet that starts with a
// flag names flags of any command; any other word is another tool, whose
// flags are its own. YAML and JSON blocks are data: only their comments
// are read, as prose. Prose outside code may name flags of any command.
func docProblems(app *cli.App, text string) []string {
	var out []string
	add := func(off int, format string, a ...any) {
		out = append(out, fmt.Sprintf("%d: %s", 1+strings.Count(text[:off], "\n"), fmt.Sprintf(format, a...)))
	}
	prose := []byte(text)
	blank := func(from, to int) {
		for i := from; i < to; i++ {
			if prose[i] != '\n' {
				prose[i] = ' '
			}
		}
	}
	for _, m := range fence.FindAllStringSubmatchIndex(text, -1) {
		lang, body := text[m[2]:m[3]], m[4]
		for off, line := range linesAt(text[m[4]:m[5]]) {
			if lang == "yaml" || lang == "json" {
				if i := strings.Index(line, "#"); i >= 0 {
					checkAnyFlags(app, line[i:], func(f string) { add(body+off, "no command has a flag --%s", f) })
				}
				continue
			}
			checkSnippet(app, line, func(format string, a ...any) { add(body+off, format, a...) })
		}
		blank(m[0], m[1])
	}
	for _, m := range codeSpan.FindAllStringSubmatchIndex(string(prose), -1) {
		checkSnippet(app, string(prose[m[2]:m[3]]), func(format string, a ...any) { add(m[0], format, a...) })
		blank(m[0], m[1])
	}
	for _, m := range bareFlag.FindAllStringSubmatchIndex(string(prose), -1) {
		if f := string(prose[m[2]:m[3]]); !anyHasFlag(app, f) {
			add(m[0], "no command has a flag --%s", f)
		}
	}
	return out
}

// linesAt maps each line of s to its offset in s.
func linesAt(s string) map[int]string {
	out := map[int]string{}
	off := 0
	for _, l := range strings.SplitAfter(s, "\n") {
		out[off] = strings.TrimSuffix(l, "\n")
		off += len(l)
	}
	return out
}

func checkAnyFlags(app *cli.App, s string, bad func(string)) {
	for _, m := range bareFlag.FindAllStringSubmatch(s, -1) {
		if !anyHasFlag(app, m[1]) {
			bad(m[1])
		}
	}
}

// checkSnippet reads one code span or code block line; see docProblems.
func checkSnippet(app *cli.App, s string, bad func(string, ...any)) {
	words := snippetWords(s)
	if len(words) == 0 {
		return
	}
	// The program starts a command line when only variable assignments
	// (XP_LOCAL=1) or source come before it; elsewhere, as in a quoted
	// message (`another x-platform run holds …`), it is a word.
	start := slices.IndexFunc(words, func(w string) bool {
		return w == "x-platform" || w == "bin/x-platform" || w == "./bin/x-platform" || w == "bin/x-update-builder"
	})
	if start > 0 && slices.ContainsFunc(words[:start], func(w string) bool { return !strings.Contains(w, "=") && w != "source" }) {
		start = -1
	}
	switch {
	case start >= 0 && words[start] == "bin/x-update-builder":
		checkCommandLine(app, app.Command("update-builder"), "update-builder", words[start+1:], bad)
	case start >= 0:
		checkCommandLine(app, nil, "", words[start+1:], bad)
	case strings.HasPrefix(words[0], "--"):
		checkAnyFlags(app, s, func(f string) { bad("no command has a flag --%s", f) })
	case commandWord.MatchString(words[0]) && app.Command(words[0]) != nil && words[0] != "help":
		checkCommandLine(app, nil, "", words, bad)
	}
}

var (
	commandWord = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	flagName    = regexp.MustCompile(`^[a-z][a-z0-9-]*`)
)

// checkCommandLine checks the words after the program name: global flags,
// a command (unless cmd is given) and its subcommand, then that command's
// flags. A placeholder such as COMMAND or <command> stands for any command.
func checkCommandLine(app *cli.App, cmd *cli.Command, path string, words []string, bad func(string, ...any)) {
	anyCmd := false
	for i := 0; i < len(words); i++ {
		w := words[i]
		if name, ok := strings.CutPrefix(w, "--"); ok {
			if name = flagName.FindString(name); name == "" {
				continue // "--" ends a command's flags
			}
			hasValue := strings.HasPrefix(w[2+len(name):], "=") || strings.HasPrefix(w[2+len(name):], "[=")
			switch {
			case cmd != nil && hasFlag(cmd.Flags, name):
			case hasFlag(app.Flags, name):
				if cmd == nil && !anyCmd && !hasValue && !isBool(flagNamed(app.Flags, name)) {
					i++ // the global flag's value, not the command
				}
			case anyCmd && anyHasFlag(app, name):
			case cmd != nil:
				bad("x-platform %s has no flag --%s", path, name)
			default:
				bad("no command has a flag --%s", name)
			}
			continue
		}
		if anyCmd || strings.HasPrefix(w, "-") {
			continue
		}
		if !commandWord.MatchString(w) {
			anyCmd = cmd == nil
			continue
		}
		switch {
		case cmd == nil:
			if cmd = app.Command(w); cmd == nil {
				bad("no command %q", w)
				return
			}
			path = w
		case len(cmd.Subcommands) > 0:
			sub := cmd.Command(w)
			if sub == nil {
				bad("x-platform %s has no subcommand %q", path, w)
				return
			}
			cmd, path = sub, path+" "+w
		}
	}
}

// snippetWords splits a snippet into words, stopping where a shell
// comment, pipe, redirection or list begins, and trims brackets, quotes
// and punctuation a document puts around them.
func snippetWords(s string) []string {
	var out []string
	for _, w := range strings.Fields(s) {
		if w == "#" || strings.HasPrefix(w, "#") || w == "|" || w == "&&" || w == ";" || w == ">" || w == "2>" {
			break
		}
		if strings.HasPrefix(w, "<") && strings.HasSuffix(w, ">") {
			out = append(out, w) // a placeholder
			continue
		}
		w = strings.Trim(w, "[](){}<\"'`,;…")
		if w != "" && w != "|" {
			out = append(out, w)
		}
	}
	return out
}

func flagNamed(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

func isBool(f cli.Flag) bool {
	switch f.(type) {
	case *cli.BoolFlag, helpFlag:
		return true
	}
	return false
}

// anyHasFlag says whether the app or any command or subcommand has a flag
// of that name.
func anyHasFlag(app *cli.App, name string) bool {
	if hasFlag(app.Flags, name) {
		return true
	}
	var walk func([]*cli.Command) bool
	walk = func(cmds []*cli.Command) bool {
		for _, c := range cmds {
			if hasFlag(c.Flags, name) || walk(c.Subcommands) {
				return true
			}
		}
		return false
	}
	return walk(app.Commands)
}

// commandNames lists "cmd" and "cmd sub" for every command that is not hidden.
func commandNames(cmds []*cli.Command, prefix string) []string {
	var out []string
	for _, c := range cmds {
		if c.Hidden {
			continue
		}
		out = append(out, prefix+c.Name)
		out = append(out, commandNames(c.Subcommands, prefix+c.Name+" ")...)
	}
	return out
}

// commandTable reads the README's command table: rows whose first cell is
// a code span `x-platform COMMAND [SUBCOMMAND] …`.
func commandTable(app *cli.App, readme string) map[string]bool {
	row := regexp.MustCompile("(?m)^\\| *`x-platform ([a-z][a-z0-9-]*)(?: ([a-z][a-z0-9-]*))?[^`]*`")
	out := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(readme, -1) {
		cmd := app.Command(m[1])
		if cmd == nil {
			continue
		}
		out[m[1]] = true
		if m[2] != "" && cmd.Command(m[2]) != nil {
			out[m[1]+" "+m[2]] = true
		}
	}
	return out
}

// TestDocsLinksResolve follows every relative link of README.md and
// docs/**/*.md: the file must exist and a #fragment must name one of its
// headings, as GitHub makes anchors of them.
func TestDocsLinksResolve(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, f := range docFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(repoRoot(t), f)
		text := string(fence.ReplaceAllStringFunc(string(b), func(s string) string { return strings.Repeat("\n", strings.Count(s, "\n")) }))
		for _, m := range link.FindAllStringSubmatchIndex(text, -1) {
			target := text[m[2]:m[3]]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			line := 1 + strings.Count(text[:m[0]], "\n")
			path, frag, _ := strings.Cut(target, "#")
			dest := f
			if path != "" {
				dest = filepath.Join(filepath.Dir(f), filepath.FromSlash(path))
			}
			info, err := os.Stat(dest)
			if err != nil {
				t.Errorf("%s:%d: link %s: no such file", rel, line, target)
				continue
			}
			if frag == "" {
				continue
			}
			if info.IsDir() {
				t.Errorf("%s:%d: link %s: a folder has no headings", rel, line, target)
				continue
			}
			db, _ := os.ReadFile(dest)
			if !slices.Contains(anchors(string(db)), frag) {
				t.Errorf("%s:%d: link %s: %s has no heading with anchor #%s", rel, line, target, path, frag)
			}
		}
	}
}

// anchors lists the fragment names GitHub gives a markdown file's
// headings: lowercase, punctuation dropped, spaces made hyphens, a repeated
// name numbered.
func anchors(md string) []string {
	md = fence.ReplaceAllString(md, "")
	heading := regexp.MustCompile(`(?m)^#{1,6} +(.+?) *$`)
	drop := regexp.MustCompile(`[^\p{L}\p{N} _-]`)
	seen := map[string]int{}
	var out []string
	for _, m := range heading.FindAllStringSubmatch(md, -1) {
		a := strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")
		if n := seen[a]; n > 0 {
			out = append(out, fmt.Sprintf("%s-%d", a, n))
		} else {
			out = append(out, a)
		}
		seen[a]++
	}
	return out
}

func TestAnchors(t *testing.T) {
	got := anchors("# X\n## Releases: plan, lock, `--locked`\n```\n# not a heading\n```\n## Tests (`services.<name>.tests[]`)\n### Every command\n### Every command\n")
	want := []string{"x", "releases-plan-lock---locked", "tests-servicesnametests", "every-command", "every-command-1"}
	if !slices.Equal(got, want) {
		t.Errorf("anchors: %q, want %q", got, want)
	}
}

// TestDevelopmentPackageMap checks docs/development.md's package table
// against the code: a row for every package under internal/, its imports
// of internal/ exactly as the Go files say, and each import listed below
// the package that makes it (the test environment aside).
func TestDevelopmentPackageMap(t *testing.T) {
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "docs", "development.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `internal/([a-z0-9/]+)` \\|[^|]*\\| ([^|]*) \\|$")
	rows := row.FindAllStringSubmatch(string(b), -1)
	order := map[string]int{}
	documented := map[string][]string{}
	for i, m := range rows {
		order[m[1]] = i
		documented[m[1]] = nil
		if deps := strings.TrimSpace(m[2]); deps != "—" {
			for _, d := range strings.Split(deps, ",") {
				documented[m[1]] = append(documented[m[1]], strings.TrimSpace(d))
			}
		}
	}
	actual := internalImports(t, root)
	for pkg, imports := range actual {
		docs, ok := documented[pkg]
		if !ok {
			t.Errorf("docs/development.md has no row for internal/%s", pkg)
			continue
		}
		slices.Sort(docs)
		if !slices.Equal(docs, imports) {
			t.Errorf("docs/development.md says internal/%s imports %q; it imports %q", pkg, docs, imports)
		}
		for _, imp := range imports {
			if order[imp] < order[pkg] && !strings.HasPrefix(pkg, "testenv") {
				t.Errorf("docs/development.md lists internal/%s above internal/%s, which imports it", imp, pkg)
			}
		}
	}
	for pkg := range documented {
		if _, ok := actual[pkg]; !ok {
			t.Errorf("docs/development.md has a row for internal/%s, which is no package", pkg)
		}
	}
}

// internalImports maps each package under internal/ (its path below
// internal/) to the sorted packages of internal/ its non-test files import.
func internalImports(t *testing.T, root string) map[string][]string {
	t.Helper()
	const prefix = "github.com/x-platform/x-platform/internal/"
	out := map[string][]string{}
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if d.Name() == "testdata" {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(dir, 0)
		var none *build.NoGoError
		if errors.As(err, &none) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(root, "internal"), dir)
		imports := []string{}
		for _, imp := range p.Imports {
			if name, ok := strings.CutPrefix(imp, prefix); ok {
				imports = append(imports, name)
			}
		}
		slices.Sort(imports)
		out[filepath.ToSlash(rel)] = imports
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
