package app

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
	"github.com/x-platform/x-platform/internal/report"
)

// runApp runs the app in process, as main does, and returns its exit code,
// stdout and stderr.
func runApp(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), append([]string{"x-platform"}, args...), Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

func TestOutputAfterTheCommand(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "x-platform.yml")
	writeFile(t, m, "registry: r.example.com/x\nservices:\n  a:\n    dir: src/a\n    git: {remote: ./a.git, reference: master}\n    dockerBuilder: {image: b:1, workdir: /w}\n    docker: {image: a}\n")
	for _, args := range [][]string{
		{"version", "-o", "json"},
		{"-o", "json", "version"},
		{"version", "--output", "json"},
		{"--file", m, "pin", "--no-verify", "-o", "json", "a", "main"},
	} {
		code, out, errOut := runApp(t, args...)
		var doc map[string]any
		if code != ExitOK || json.Unmarshal([]byte(out), &doc) != nil {
			t.Errorf("%q: exit %d, stdout not one JSON document:\n%s\nstderr: %s", args, code, out, errOut)
		}
	}
	// After the command wins over before it.
	if code, out, _ := runApp(t, "-o", "json", "version", "-o", "text"); code != ExitOK || !strings.HasPrefix(out, "x-platform ") {
		t.Errorf("-o json version -o text: exit %d, %q", code, out)
	}
	if code, _, errOut := runApp(t, "status", "-o", "yaml"); code != ExitUsage || !strings.Contains(errOut, `--output must be text or json, not "yaml"`) {
		t.Errorf("status -o yaml: exit %d, %s", code, errOut)
	}
	// Every command that reports takes it.
	var check func(cmds []*cli.Command)
	check = func(cmds []*cli.Command) {
		for _, c := range cmds {
			check(c.Subcommands)
			if !silent[c.Name] && findFlag(c.Flags, "o") == nil {
				t.Errorf("%s takes no -o/--output", c.Name)
			}
		}
	}
	check(newApp(Streams{}).Commands)
}

func TestVersion(t *testing.T) {
	code, out, _ := runApp(t, "--version")
	if code != ExitOK || !strings.HasPrefix(out, "x-platform "+version()+" go") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	code, out, _ = runApp(t, "version", "-o", "json")
	var v report.Version
	if code != ExitOK || json.Unmarshal([]byte(out), &v) != nil || v.Version != version() || v.Go == "" || v.OS == "" || v.Arch == "" {
		t.Errorf("version -o json: exit %d, %q", code, out)
	}
}

func TestHelpGroupsCommands(t *testing.T) {
	code, out, _ := runApp(t, "--help")
	if code != ExitOK {
		t.Fatalf("--help: exit %d", code)
	}
	at := -1
	for _, cat := range categories {
		i := strings.Index(out, "\n   "+cat+":\n")
		if i <= at {
			t.Fatalf("--help: category %s missing or out of order:\n%s", cat, out)
		}
		at = i
	}
	for _, c := range newApp(Streams{}).Commands {
		if !c.Hidden && !strings.Contains(out, "\n     "+c.Name) {
			t.Errorf("--help does not list %s under a category:\n%s", c.Name, out)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"stauts"}, `unknown command "stauts"; did you mean "status"?`},
		{[]string{"deplyo", "--env", "x"}, `did you mean "deploy"?`},
		{[]string{"roll"}, `did you mean "rollback"?`},
		{[]string{"build", "--keep-goign"}, "did you mean --keep-going?"},
		{[]string{"--ofline", "build"}, "did you mean --offline?"},
		{[]string{"deploy", "--servces", "a"}, "did you mean --services?"},
	}
	for _, tt := range tests {
		code, out, errOut := runApp(t, tt.args...)
		if code != ExitUsage || out != "" || !strings.Contains(errOut, tt.stderr) {
			t.Errorf("%q: exit %d (want 2), stdout %q, stderr %q (want %q)", tt.args, code, out, errOut, tt.stderr)
		}
	}
	code, _, errOut := runApp(t, "xyzzy")
	if code != ExitUsage || strings.Contains(errOut, "did you mean") {
		t.Errorf("xyzzy: exit %d, %q: nothing is close", code, errOut)
	}
}

func TestHelpPrintsDefaultsOnce(t *testing.T) {
	var each func(path []string, cmds []*cli.Command)
	each = func(path []string, cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Hidden || c.Name == "help" {
				continue
			}
			p := append(append([]string{}, path...), c.Name)
			each(p, c.Subcommands)
			code, out, _ := runApp(t, append(p, "--help")...)
			if code != ExitOK {
				t.Fatalf("%q --help: exit %d", p, code)
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.Count(line, "default") > 1 || strings.Contains(line, "(default: false)") || strings.Contains(line, "(default: 0") {
					t.Errorf("%s --help: %s", strings.Join(p, " "), strings.TrimSpace(line))
				}
			}
		}
	}
	each(nil, newApp(Streams{}).Commands)
}

// sameMeaning lists the flag names whose usage is worded differently in
// some commands while they mean the same thing there.
var sameMeaning = map[string]string{
	"context":    "the kubeconfig context; previews default to their template's",
	"env":        "an environment; status takes several",
	"kubeconfig": "the kubeconfig file; promote says where each side's context comes from",
	"locked":     "take x-platform.lock's commits and digests; build says it builds nothing",
}

// TestOneMeaningPerFlagName finds flag names used by several commands with
// different usages: each must mean the same thing everywhere, or one of
// the spellings is a renamed flag's hidden old name.
func TestOneMeaningPerFlagName(t *testing.T) {
	usages := map[string]map[string][]string{}
	var walk func(where string, flags []cli.Flag, cmds []*cli.Command)
	walk = func(where string, flags []cli.Flag, cmds []*cli.Command) {
		for _, f := range flags {
			if vf, ok := f.(cli.VisibleFlag); ok && !vf.IsVisible() {
				continue // a renamed flag's old name
			}
			n, u := f.Names()[0], f.(cli.DocGenerationFlag).GetUsage()
			if usages[n] == nil {
				usages[n] = map[string][]string{}
			}
			usages[n][u] = append(usages[n][u], where)
		}
		for _, c := range cmds {
			walk(strings.TrimSpace(where+" "+c.Name), c.Flags, c.Subcommands)
		}
	}
	walk("", newApp(Streams{}).Flags, newApp(Streams{}).Commands)
	for n, u := range usages {
		if len(u) > 1 && sameMeaning[n] == "" {
			t.Errorf("--%s has %d meanings: %v; rename all but one (see renamed) or add it to sameMeaning", n, len(u), u)
		}
	}
}

func TestRenamedFlagsWarn(t *testing.T) {
	tests := []struct {
		args   []string
		stderr []string
	}{
		// The old name is taken (the command goes on to need --env) and warned about.
		{[]string{"rollback", "--to", "3"}, []string{"--to of rollback is deprecated and will be removed: use --revision", "rollback needs --env"}},
		{[]string{"rollback", "--to", "3", "--revision", "2"}, []string{"--revision and its old name --to are both set"}},
	}
	for _, tt := range tests {
		code, _, errOut := runApp(t, tt.args...)
		for _, want := range tt.stderr {
			if code != ExitUsage || !strings.Contains(errOut, want) {
				t.Errorf("%q: exit %d, stderr %q, want %q", tt.args, code, errOut, want)
			}
		}
	}
	// status --dry-run reaches the new flag: with no manifest the command
	// stops after the warning.
	t.Chdir(t.TempDir())
	code, _, errOut := runApp(t, "status", "--dry-run")
	if code != ExitUsage || !strings.Contains(errOut, "--dry-run of status is deprecated and will be removed: use --server-dry-run") {
		t.Errorf("status --dry-run: exit %d, %s", code, errOut)
	}
	if _, out, _ := runApp(t, "rollback", "--help"); strings.Contains(out, "--to") {
		t.Errorf("rollback --help shows the old --to:\n%s", out)
	}
}
