package app

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"
)

// envOnly are the XP_* variables that are not flags (see docs/infrastructure.md).
var envOnly = []string{"XP_REGISTRY", "XP_USER", "XP_IMAGE", "XP_LOCAL", "XP_CACHE", "XP_BIN", "XP_GIT_USERNAME", "XP_GIT_PASSWORD"}

// TestCIRecipes reads docs/ci/*.yml as CI systems do and checks what they
// run against the real command line: commands, flags, XP_* variables, the
// repository's files and make targets.
func TestCIRecipes(t *testing.T) {
	repo, _ := filepath.Abs("../..")
	files, _ := filepath.Glob(filepath.Join(repo, "docs", "ci", "*.yml"))
	if len(files) < 3 {
		t.Fatalf("docs/ci holds %d recipes, want the GitLab shell, GitLab dind and GitHub Actions ones", len(files))
	}
	app := newApp(Streams{})
	makefile, err := os.ReadFile(filepath.Join(repo, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := yaml.Unmarshal(b, &doc); err != nil {
				t.Fatalf("not YAML: %v", err)
			}
			lines, vars := scripts(doc)
			ran := 0
			for _, line := range lines {
				words := shellWords(line)
				for i, w := range words {
					switch {
					case w == "bin/x-platform" || w == "bin/x-update-builder":
						checkInvocation(t, app, w, words[i+1:])
						ran++
					case w == "make" && i == 0:
						for _, target := range words[1:] {
							if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(target) + `:`).Match(makefile) {
								t.Errorf("%q: the Makefile has no target %s", line, target)
							}
						}
					}
					if strings.HasPrefix(w, "bin/") || strings.HasPrefix(w, "hack/") || strings.HasPrefix(w, ".ci/") {
						if _, err := os.Stat(filepath.Join(repo, w)); err != nil {
							t.Errorf("%q names %s, which the repository does not hold", line, w)
						}
					}
				}
			}
			if ran == 0 {
				t.Fatal("the recipe runs no bin/x-platform command")
			}
			for _, v := range vars {
				if strings.HasPrefix(v, "XP_") && !slices.Contains(envOnly, v) && !flagEnv(app, v) {
					t.Errorf("variable %s is neither a flag's nor a documented XP_ variable", v)
				}
			}
		})
	}
}

// scripts collects the shell lines (GitLab's script and before_script,
// GitHub's steps[].run) and the variable names (variables:, env:) of a recipe.
func scripts(n any) (lines, vars []string) {
	switch n := n.(type) {
	case map[string]any:
		for k, v := range n {
			switch k {
			case "script", "before_script", "after_script", "run":
				lines = append(lines, strs(v)...)
				continue
			case "variables", "env":
				if m, ok := v.(map[string]any); ok {
					for name := range m {
						vars = append(vars, name)
					}
				}
			}
			l, vs := scripts(v)
			lines, vars = append(lines, l...), append(vars, vs...)
		}
	case []any:
		for _, v := range n {
			l, vs := scripts(v)
			lines, vars = append(lines, l...), append(vars, vs...)
		}
	}
	return lines, vars
}

func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return strings.Split(strings.TrimSpace(v), "\n")
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, strs(e)...)
		}
		return out
	}
	return nil
}

// shellWords splits a simple command line and stops at a redirection,
// pipe or list operator.
func shellWords(line string) []string {
	var out []string
	for _, w := range strings.Fields(line) {
		if strings.ContainsAny(w[:1], "><|&;") {
			break
		}
		out = append(out, strings.Trim(w, `"'`))
	}
	return out
}

// checkInvocation looks the command and every flag of args up in the app.
func checkInvocation(t *testing.T, app *cli.App, prog string, args []string) {
	t.Helper()
	flags := app.Flags
	var cmd *cli.Command
	if prog == "bin/x-update-builder" {
		cmd = app.Command("update-builder")
	}
	for _, a := range args {
		name, isFlag := strings.CutPrefix(a, "--")
		if !isFlag {
			name, isFlag = strings.CutPrefix(a, "-")
		}
		switch {
		case isFlag:
			name, _, _ = strings.Cut(name, "=")
			if !hasFlag(flags, name) && (cmd == nil || !hasFlag(cmd.Flags, name)) {
				t.Errorf("%s %v: no flag --%s", prog, args, name)
			}
		case cmd == nil:
			if cmd = app.Command(a); cmd == nil {
				t.Errorf("%s %v: no command %q", prog, args, a)
				return
			}
		}
	}
	if cmd == nil {
		t.Errorf("%s %v runs no command", prog, args)
	}
}

func hasFlag(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return true
		}
	}
	return false
}

func flagEnv(app *cli.App, v string) bool {
	all := slices.Clone(app.Flags)
	for _, c := range app.Commands {
		all = append(all, c.Flags...)
	}
	for _, f := range all {
		if e, ok := f.(cli.DocGenerationFlag); ok && slices.Contains(e.GetEnvVars(), v) {
			return true
		}
	}
	return false
}
