package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestEveryFlagHasAnEnvironmentVariable(t *testing.T) {
	app := newApp(Streams{})
	// A variable names one setting: flags that share it have one name and
	// one type (--env of every command; a list of strings reads a string),
	// so exporting it for one command
	// cannot break another (promote's --to is an environment, rollback's a
	// revision).
	type setting struct{ where, name, typ string }
	seen := map[string]setting{}
	var check func(where string, flags []cli.Flag, cmds []*cli.Command)
	check = func(where string, flags []cli.Flag, cmds []*cli.Command) {
		for _, f := range flags {
			if f == cli.HelpFlag || f.Names()[0] == "version" {
				continue // --help and --version are not settings
			}
			want := "XP_" + strings.ToUpper(strings.ReplaceAll(f.Names()[0], "-", "_"))
			switch f.Names()[0] {
			case "builder":
				want = "XP_BUILDERS" // a list, named as one
			case "local":
				want = "XP_LOCAL_FOLDERS" // XP_LOCAL is the wrapper's
			}
			if where == "promote" && (f.Names()[0] == "from" || f.Names()[0] == "to") {
				want = "XP_PROMOTE_" + strings.ToUpper(f.Names()[0])
			}
			// The --registry of init and import skaffold is the registry
			// XP_REGISTRY names to every other command, which reads it in
			// place of the manifest's.
			if slices.Contains(envOnly, want) && (where != "init" && where != "import skaffold" || want != "XP_REGISTRY") {
				t.Errorf("%s --%s: %s is the wrapper's own variable", where, f.Names()[0], want)
			}
			ev, ok := f.(cli.DocGenerationFlag)
			if !ok || len(ev.GetEnvVars()) != 1 || ev.GetEnvVars()[0] != want {
				t.Errorf("%s --%s: environment variables %v, want [%s]", where, f.Names()[0], ev.GetEnvVars(), want)
			}
			this := setting{where, f.Names()[0], strings.Replace(fmt.Sprintf("%T", f), "Slice", "", 1)}
			if prev, ok := seen[want]; ok && (prev.name != this.name || prev.typ != this.typ) {
				t.Errorf("%s: %s --%s (%s) and %s --%s (%s) share it", want, prev.where, prev.name, prev.typ, this.where, this.name, this.typ)
			}
			seen[want] = this
		}
		for _, c := range cmds {
			check(strings.TrimPrefix(where+" "+c.Name, "x-platform "), c.Flags, c.Subcommands)
		}
	}
	check("x-platform", app.Flags, app.Commands)
	var out bytes.Buffer
	if code := Run(context.Background(), []string{"x-platform", "build", "--help"}, Streams{Out: &out, Err: &out}); code != ExitOK {
		t.Fatalf("build --help: exit %d", code)
	}
	for _, want := range []string{"[$XP_SERVICES]", "[$XP_JOBS]", "[$XP_KEEP_GOING]"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("build --help does not show %s:\n%s", want, out.String())
		}
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "x-platform.yml")
	writeFile(t, good, "registry: r.example.com/x\nservices:\n  a:\n    dir: src/a\n    git: {remote: ./a.git, reference: master}\n    dockerBuilder: {image: b:1, workdir: /w}\n    docker: {image: a}\n")
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stderr string
		stdout string
	}{
		{name: "XP_OUTPUT", env: map[string]string{"XP_OUTPUT": "yaml"}, args: []string{"version"}, code: ExitUsage, stderr: `--output must be text or json, not "yaml"`},
		{name: "XP_FILE and XP_JOBS", env: map[string]string{"XP_FILE": good, "XP_JOBS": "0"}, args: []string{"build"}, code: ExitUsage, stderr: "--jobs must be at least 1"},
		{name: "flag beats variable", env: map[string]string{"XP_OUTPUT": "yaml"}, args: []string{"--output", "text", "version"}, code: ExitOK, stdout: "x-platform "},
		{name: "XP_SERVICES", env: map[string]string{"XP_FILE": good, "XP_SERVICES": "zz,a"}, args: []string{"sync"}, code: ExitUsage, stderr: "unknown service zz"},
		{name: "XP_BUILD_ARG", env: map[string]string{"XP_FILE": good, "XP_BUILD_ARG": "NOEQUALS"}, args: []string{"update-builder", "a"}, code: ExitUsage, stderr: `--build-arg "NOEQUALS" is not KEY=VALUE`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var out, errOut bytes.Buffer
			code := Run(context.Background(), append([]string{"x-platform"}, tt.args...), Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
			if code != tt.code || !strings.Contains(errOut.String(), tt.stderr) || !strings.Contains(out.String(), tt.stdout) {
				t.Fatalf("exit %d (want %d)\nstdout %q (want %q)\nstderr %q (want %q)", code, tt.code, out.String(), tt.stdout, errOut.String(), tt.stderr)
			}
		})
	}
}

func completionScript(t *testing.T, shell string) (string, int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), []string{"x-platform", "completion", shell}, Streams{Out: &out, Err: &errOut})
	return out.String(), code, errOut.String()
}

func TestCompletionScripts(t *testing.T) {
	fish, code, _ := completionScript(t, "fish")
	for _, want := range []string{"complete -c x-platform", "-a 'build'", "-l services", "-a 'completion'"} {
		if code != ExitOK || !strings.Contains(fish, want) {
			t.Fatalf("fish completion (exit %d) lacks %q:\n%s", code, want, fish)
		}
	}
	zsh, code, _ := completionScript(t, "zsh")
	if code != ExitOK || !strings.HasPrefix(zsh, "#compdef x-platform\n") || !strings.Contains(zsh, "xp_complete") || strings.Contains(zsh, "--generate-bash-completion") {
		t.Fatalf("zsh completion (exit %d):\n%s", code, zsh)
	}
	if _, code, stderr := completionScript(t, "tcsh"); code != ExitUsage || !strings.Contains(stderr, "bash, zsh or fish") {
		t.Fatalf("completion tcsh: exit %d, %s", code, stderr)
	}
}

// TestBashCompletion sources the bash script into a real bash and asks it
// to complete, as the shell does on Tab, with an x-platform first on PATH
// that records any call: the script answers alone.
func TestBashCompletion(t *testing.T) {
	script, _, _ := completionScript(t, "bash")
	scripts := t.TempDir()
	writeFile(t, filepath.Join(scripts, "completion.bash"), script)
	called := filepath.Join(scripts, "called")
	writeFile(t, filepath.Join(scripts, "x-platform"), "#!/bin/sh\necho \"$*\" >>"+called+"\n")
	if err := os.Chmod(filepath.Join(scripts, "x-platform"), 0o755); err != nil {
		t.Fatal(err)
	}
	complete := func(words ...string) []string {
		t.Helper()
		cmd := exec.Command("bash", "--norc", "--noprofile", "-c", `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _x_platform; printf '%s\n' "${COMPREPLY[@]}"`, "bash", filepath.Join(scripts, "completion.bash"))
		cmd.Args = append(cmd.Args, words...)
		cmd.Env = []string{"PATH=" + scripts + ":/usr/bin:/bin", "HOME=" + t.TempDir()}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("completing %q: %v\n%s", words, err, out)
		}
		return strings.Fields(string(out))
	}
	if got := complete("x-platform", "bu"); strings.Join(got, " ") != "build" {
		t.Errorf("x-platform bu<Tab> = %q, want build", got)
	}
	if got := complete("x-platform", "build", "--ke"); strings.Join(got, " ") != "--keep-going" {
		t.Errorf("x-platform build --ke<Tab> = %q, want --keep-going", got)
	}
	m := filepath.Join(completionPlatform(t), "x-platform.yml")
	if got := complete("x-platform", "--file", m, "deploy", "--env", ""); strings.Join(got, " ") != "production qa staging" {
		t.Errorf("x-platform deploy --env <Tab> = %q, want production qa staging", got)
	}
	if got := complete("bin/x-platform", "--file", m, "build", "--services", "zf"); strings.Join(got, " ") != "zfront" {
		t.Errorf("bin/x-platform build --services zf<Tab> = %q, want zfront", got)
	}
	if b, err := os.ReadFile(called); err == nil {
		t.Fatalf("a Tab ran the program:\n%s", b)
	}
}

// TestWrapperCompletionInStep keeps bin/x-platform-complete, what the
// wrapper answers a Tab with, the bash script the program makes.
func TestWrapperCompletionInStep(t *testing.T) {
	want, _, _ := completionScript(t, "bash")
	got, err := os.ReadFile("../../bin/x-platform-complete")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatal("bin/x-platform-complete is not `x-platform completion bash`: run make completion")
	}
}
