package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCleanupUsage checks the mistakes cleanup reports before it reads
// anything remote: exit code 2 and a message saying what to fix.
func TestCleanupUsage(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("DOCKER_CONFIG", dir)
	const svc = "services:\n  a: {dir: a, git: {remote: r, reference: main}, dockerBuilder: {image: b, workdir: /src}, docker: {image: a}}\n"
	good := filepath.Join(dir, "good.yml")
	bad := filepath.Join(dir, "bad.yml")
	badKube := filepath.Join(dir, "kube.yml")
	for path, text := range map[string]string{
		good:    "registry: 127.0.0.1:1/x\n" + svc,
		bad:     "registry: 127.0.0.1:1/x\ncleanup: {recentHours: 0}\n" + svc,
		badKube: "registry: 127.0.0.1:1/x\nenvironments: {prod: {context: nope}}\n" + svc,
	} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"bad rule", []string{"--file", bad, "cleanup"}, bad + ":2:24: cleanup.recentHours: must be at least 1, got 0"},
		{"bad concurrency", []string{"--file", good, "cleanup", "--concurrency", "0"}, "--concurrency must be at least 1"},
		{"bad output", []string{"--file", good, "cleanup", "--output", "yaml"}, "--output must be text or json"},
		{"stray argument", []string{"--file", good, "cleanup", "a"}, "cleanup takes no arguments"},
		{"unknown service", []string{"--file", good, "cleanup", "--services", "zz"}, "unknown service zz"},
		{"unknown context", []string{"--file", badKube, "cleanup", "--kubeconfig", kubeconfig}, `reading the releases of prod: `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Run(context.Background(), append([]string{"x-platform"}, tt.args...), Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
			if code != ExitUsage || !strings.Contains(errOut.String(), tt.stderr) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q\nstdout: %s", code, errOut.String(), tt.stderr, out.String())
			}
		})
	}
}
