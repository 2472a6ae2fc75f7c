package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

// TestImportSkaffoldUsageErrors checks what import skaffold refuses, each
// with exit 2 and nothing on stdout.
func TestImportSkaffoldUsageErrors(t *testing.T) {
	dir := t.TempDir()
	r := testenv.NewRemote(t, map[string]string{
		"v1.yaml":       "apiVersion: skaffold/v1beta2\nkind: Config\n",
		"k8s.yaml":      "apiVersion: apps/v1\nkind: Deployment\n",
		"jib.yaml":      "apiVersion: skaffold/v4beta11\nkind: Config\nbuild: {artifacts: [{image: a, jib: {}}]}\n",
		"skaffold.yaml": "apiVersion: skaffold/v4beta11\nkind: Config\nbuild: {artifacts: [{image: a}]}\n",
	})
	checkout := filepath.Join(dir, "project")
	testenv.RunGit(t, "", "clone", "--quiet", r.URL, checkout)
	in := func(name string) string { return filepath.Join(checkout, name) }
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"import"}, "import needs the kind of configuration: skaffold [FILE]"},
		{[]string{"import", "skaffold", in("skaffold.yaml")}, "import skaffold needs --registry"},
		{[]string{"import", "skaffold", "--registry", "r.example.com", "a", "b"}, "takes one FILE"},
		{[]string{"import", "skaffold", "--registry", "r.example.com", "--env", "Dev", in("skaffold.yaml")}, `--env "Dev"`},
		{[]string{"--file", filepath.Join(dir, "platform.yml"), "import", "skaffold", "--registry", "r.example.com", in("skaffold.yaml")}, "import skaffold writes x-platform.yml"},
		{[]string{"import", "skaffold", "--registry", "r.example.com", in("v1.yaml")}, "run `skaffold fix --overwrite` first"},
		{[]string{"import", "skaffold", "--registry", "r.example.com", in("k8s.yaml")}, "k8s.yaml:1: not a Skaffold config"},
		{[]string{"import", "skaffold", "--registry", "r.example.com", in("jib.yaml")}, "has no docker artifact"},
		{[]string{"import", "skaffold", "--registry", "r.example.com", in("none.yaml")}, "none.yaml"},
	} {
		var out, errOut bytes.Buffer
		args := append([]string{"x-platform"}, tt.args...)
		if !strings.HasPrefix(tt.args[0], "--file") {
			args = append([]string{"x-platform", "--file", filepath.Join(dir, "x-platform.yml")}, tt.args...)
		}
		code := Run(context.Background(), args, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
		if code != ExitUsage || !strings.Contains(errOut.String(), tt.want) || out.Len() != 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d and %q", tt.args, code, out.String(), errOut.String(), ExitUsage, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x-platform.yml")); !os.IsNotExist(err) {
		t.Fatalf("a refused import wrote the manifest: %v", err)
	}
}
