package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/manifest"
)

// completionPlatform writes a platform folder: two services, overlays
// staging and production, and an environment entry qa.
func completionPlatform(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x-platform.yml"), "registry: r.example.com/x\nenvironments:\n  qa: {namespace: qa}\nservices:\n"+
		"  zfront:\n    dir: src/zfront\n    git: {remote: ./f.git, reference: main}\n    dockerBuilder: {image: b:1, workdir: /w}\n    docker: {image: f}\n"+
		"  zback:\n    dir: src/zback\n    git: {remote: ./b.git, reference: main}\n    dockerBuilder: {image: b:1, workdir: /w}\n    docker: {image: b}\n")
	for _, d := range []string{"k8s/overlays/staging", "k8s/overlays/production", "builders/gobuilder"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The previews the last preview commands saw.
	writeFile(t, filepath.Join(dir, ".x-platform", "previews"), "preview-feature-a\npreview-fix-b\n")
	return dir
}

func TestCompletionNamesFromTheManifest(t *testing.T) {
	dir := completionPlatform(t)
	m := filepath.Join(dir, "x-platform.yml")
	tests := []struct {
		words []string // the words before the cursor, then the current one
		want  string
	}{
		{[]string{"dep"}, "deploy"},
		{[]string{""}, "build sync list pin plan lock update-builder version completion deploy render diff history rollback verify sbom scan cleanup promote canary status test preview init import secret help"},
		{[]string{"--file", m, "deploy", "--env", ""}, "production qa staging"},
		{[]string{"--file", m, "deploy", "-e", "st"}, "staging"},
		{[]string{"-f", m, "promote", "--from", "staging", "--to", ""}, "production qa staging"},
		{[]string{"-f", m, "status", "--env", "qa", "--env", "p"}, "production"},
		{[]string{"-f", m, "build", "--services", ""}, "zback zfront"},
		{[]string{"-f", m, "-o", "json", "--wait", "render", "--services", "zf"}, "zfront"},
		{[]string{"-f", m, "pin", ""}, "zback zfront"},
		{[]string{"-f", m, "update-builder", ""}, "gobuilder zback zfront"},
		{[]string{"-f", m, "pin", "zback", ""}, ""},
		{[]string{"build", "--ke"}, "--keep-going"},
		{[]string{"status", "-o", ""}, "text json"},
		{[]string{"preview", ""}, "list delete gc"},
		{[]string{"secret", ""}, "encrypt edit"},
		{[]string{"preview", "gc", "--dr"}, "--dry-run"},
		{[]string{"-f", m, "preview", "delete", ""}, "preview-feature-a preview-fix-b"},
		{[]string{"-f", m, "preview", "delete", "preview-fe"}, "preview-feature-a"},
		{[]string{"import", ""}, "skaffold"},
		{[]string{"canary", ""}, "promote abort"},
		{[]string{"-f", m, "canary", "abort", "--env", "st"}, "staging"},
		{[]string{"import", "skaffold", "--ov"}, "--overwrite"},
		{[]string{"completion", ""}, "bash zsh fish"},
		{[]string{"deploy", "--kubeconfig", ""}, ""}, // a path: the shell's own completion
		{[]string{"credential"}, ""},                 // hidden
	}
	bash, _, _ := completionScript(t, "bash")
	zsh, _, _ := completionScript(t, "zsh")
	for _, tt := range tests {
		code, out, errOut := runApp(t, append(tt.words, "--generate-bash-completion")...)
		if got := strings.Join(strings.Fields(out), " "); code != ExitOK || got != tt.want {
			t.Errorf("%q: exit %d, %q (stderr %q), want %q", tt.words, code, got, errOut, tt.want)
		}
		// The scripts answer in the shell from their tables, the same.
		if got := strings.Join(inBash(t, bash, dir, tt.words), " "); got != tt.want {
			t.Errorf("bash script, %q: %q, want %q", tt.words, got, tt.want)
		}
		if got := strings.Join(inZsh(t, zsh, dir, tt.words), " "); got != tt.want {
			t.Errorf("zsh script, %q: %q, want %q", tt.words, got, tt.want)
		}
	}
	// The manifest found from the current folder, as without --file.
	t.Chdir(filepath.Join(dir, "k8s"))
	if _, out, _ := runApp(t, "deploy", "--env", "", "--generate-bash-completion"); strings.Join(strings.Fields(out), " ") != "production qa staging" {
		t.Errorf("deploy --env <Tab> below the platform folder: %q", out)
	}
	if got := strings.Join(inBash(t, bash, filepath.Join(dir, "k8s"), []string{"deploy", "--env", ""}), " "); got != "production qa staging" {
		t.Errorf("bash script, deploy --env <Tab> below the platform folder: %q", got)
	}
	// No manifest: no names, no error.
	empty := t.TempDir()
	t.Chdir(empty)
	if code, out, errOut := runApp(t, "deploy", "--env", "", "--generate-bash-completion"); code != ExitOK || out != "" || errOut != "" {
		t.Errorf("without a manifest: exit %d, %q, %q", code, out, errOut)
	}
	if got := inBash(t, bash, empty, []string{"deploy", "--env", ""}); len(got) != 0 {
		t.Errorf("bash script without a manifest: %q", got)
	}
}

// inBash sources script into a bash without rc files, in dir, and asks its
// engine for the candidates of words (the last one being under the cursor).
func inBash(t *testing.T, script, dir string, words []string) []string {
	t.Helper()
	return shellOut(t, dir, append([]string{"bash", "--norc", "--noprofile", "-c", `source /dev/stdin <<<"$1"; shift; xp_complete "$@"`, "bash", script}, words...))
}

// inZsh sources the zsh script into a zsh without rc files, its completion
// system loaded, and asks it for the candidates of words.
func inZsh(t *testing.T, script, dir string, words []string) []string {
	t.Helper()
	return shellOut(t, dir, append([]string{"zsh", "-f", "-c", `autoload -U compinit && compinit -u -D; eval "$1"; shift; _x_platform_candidates "$@"`, "zsh", script}, words...))
}

func shellOut(t *testing.T, dir string, args []string) []string {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	home := t.TempDir()
	// No program on PATH answers: only the shells' own tools.
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + home, "ZDOTDIR=" + home}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s completing %q: %v\n%s", args[0], args[len(args)-1], err, out)
	}
	return strings.Fields(string(out))
}

func TestRememberPreviews(t *testing.T) {
	m := &manifest.Manifest{Root: t.TempDir()}
	file := previewNamesFile(m.Root)
	rememberPreviews(m, nil, []string{"preview-b"}, nil)
	rememberPreviews(m, nil, []string{"preview-a"}, nil)
	if got := strings.Join(readPreviewNames(file), " "); got != "preview-a preview-b" {
		t.Fatalf("after two deploys: %q", got)
	}
	rememberPreviews(m, nil, nil, []string{"preview-a"})
	if got := strings.Join(readPreviewNames(file), " "); got != "preview-b" {
		t.Fatalf("after a delete: %q", got)
	}
	// A list is what the cluster has: it replaces what was remembered.
	rememberPreviews(m, []string{"preview-c"}, nil, nil)
	if got := strings.Join(readPreviewNames(file), " "); got != "preview-c" {
		t.Fatalf("after a list: %q", got)
	}
	rememberPreviews(m, []string{}, nil, nil)
	if got := readPreviewNames(file); len(got) != 0 {
		t.Fatalf("after an empty list: %q", got)
	}
}
