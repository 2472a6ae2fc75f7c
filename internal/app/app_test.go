package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestExitCodesWithoutDocker(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "x-platform.yml")
	if err := os.WriteFile(good, []byte("registry: r.example.com/x\nservices:\n  a:\n    dir: src/a\n    git: {remote: ./a.git, reference: master}\n    dockerBuilder: {image: b:1, workdir: /w}\n    docker: {image: a}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hooks := filepath.Join(dir, "hooks.yml")
	if err := os.WriteFile(hooks, []byte("services:\n  a:\n    dir: .git/hooks\n    git: {remote: ./a.git, reference: master}\n    dockerBuilder: {image: b:1, workdir: /}\n    docker: {image: a}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stderr string
		stdout string
	}{
		{name: "version", args: []string{"version"}, code: ExitOK, stdout: "x-platform "},
		{name: "bad output", args: []string{"--output", "yaml", "version"}, code: ExitUsage, stderr: "--output must be text or json"},
		{name: "unknown flag", args: []string{"build", "--nope"}, code: ExitUsage, stderr: "nope"},
		{name: "bad jobs", args: []string{"--file", good, "build", "--jobs", "0"}, code: ExitUsage, stderr: "--jobs must be at least 1"},
		{name: "stray argument", args: []string{"--file", good, "build", "a"}, code: ExitUsage, stderr: "use --services a"},
		{name: "no manifest", args: []string{"--file", filepath.Join(dir, "missing.yml"), "build"}, code: ExitUsage, stderr: "missing.yml"},
		{name: "unknown service", args: []string{"--file", good, "sync", "--services", "zz"}, code: ExitUsage, stderr: "unknown service zz (valid: a)"},
		{name: "bad registry override", args: []string{"--file", good, "build"}, env: map[string]string{"XP_REGISTRY": "not a registry"}, code: ExitUsage, stderr: "XP_REGISTRY"},
		{name: "update-builder without names", args: []string{"--file", good, "update-builder"}, code: ExitUsage, stderr: "at least one"},
		{name: "unknown docker context", args: []string{"--file", good, "build"}, env: map[string]string{"DOCKER_HOST": "", "DOCKER_CONTEXT": "nope", "DOCKER_CONFIG": dir},
			code: ExitUsage, stderr: `docker context "nope" (from DOCKER_CONTEXT): no such context`},
		{name: "malformed DOCKER_HOST", args: []string{"--file", good, "list"}, env: map[string]string{"DOCKER_HOST": "docker:2375"}, code: ExitUsage, stderr: "unix:///path/docker.sock, tcp://host:2376 or ssh://user@host"},
		{name: "manifest path in .git", args: []string{"--file", hooks, "plan"}, code: ExitUsage, stderr: hooks + ":3:10: services.a.dir: must not be inside .git"},
		{name: "workdir /", args: []string{"--file", hooks, "plan"}, code: ExitUsage, stderr: hooks + ":5:42: services.a.dockerBuilder.workdir: must not be /"},
		{name: "bad build-arg", args: []string{"--file", good, "update-builder", "--build-arg", "X", "a"}, code: ExitUsage, stderr: "KEY=VALUE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var out, errOut bytes.Buffer
			code := Run(context.Background(), append([]string{"x-platform"}, tt.args...), Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out.String(), errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.stderr) || !strings.Contains(out.String(), tt.stdout) {
				t.Fatalf("stdout %q (want %q), stderr %q (want %q)", out.String(), tt.stdout, errOut.String(), tt.stderr)
			}
		})
	}
}

func TestFindsManifestInParent(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x-platform.yml"), []byte("services: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	var out, errOut bytes.Buffer
	code := Run(context.Background(), []string{"x-platform", "list"}, Streams{Out: &out, Err: &errOut})
	// The parent's manifest is found and read: its problem is reported.
	if code != ExitUsage || !strings.Contains(errOut.String(), filepath.Join(dir, "x-platform.yml")) {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}

// TestErrorsHideURLSecrets checks the one place that prints errors: a
// remote whose user is a token, quoted raw by whatever failed, is masked.
func TestErrorsHideURLSecrets(t *testing.T) {
	const secret = "s3cr3t-t0ken-value"
	var stderr bytes.Buffer
	err := fmt.Errorf("loading %s: %w", "https://"+secret+"@git.example.com/x.git", errors.New("refused"))
	if code := exitCode(&stderr, err); code != exitUnknown {
		t.Fatalf("exit %d, want %d", code, exitUnknown)
	}
	if strings.Contains(stderr.String(), secret) || !strings.Contains(stderr.String(), "https://REDACTED@git.example.com/x.git") {
		t.Fatalf("stderr: %s", stderr.String())
	}
}

// Tests and embedders run the app from several goroutines: making one may
// not write state another shares (flags defined once for the package did,
// when their environment variables were added).
func TestAppsAreMadeIndependently(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			a := newApp(Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard})
			if len(a.Commands) == 0 {
				t.Error("the app has no commands")
			}
		})
	}
	wg.Wait()
}

// TestAppsRunAtOnce runs whole apps side by side, as tests and programs
// embedding the app do: the race detector must find nothing shared.
func TestAppsRunAtOnce(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			var out strings.Builder
			code := Run(t.Context(), []string{"x-platform", "version", "--help"}, Streams{In: strings.NewReader(""), Out: &out, Err: io.Discard})
			if code != ExitOK || !strings.Contains(out.String(), "version") {
				t.Errorf("version --help: exit %d, output %q", code, out.String())
			}
		})
	}
	wg.Wait()
}
