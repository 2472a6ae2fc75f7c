package skaffold

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/retry"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestImportRefuses checks the files and checkouts import refuses, each
// with a usage error that says what to do.
func TestImportRefuses(t *testing.T) {
	const v4 = "apiVersion: skaffold/v4beta11\nkind: Config\n"
	noOrigin := t.TempDir()
	testenv.RunGit(t, "", "init", "--quiet", noOrigin)
	writeFile(t, filepath.Join(noOrigin, "skaffold.yaml"), v4+"build: {artifacts: [{image: a}]}\n")
	noGit := t.TempDir()
	writeFile(t, filepath.Join(noGit, "skaffold.yaml"), v4+"build: {artifacts: [{image: a}]}\n")
	for _, tt := range []struct {
		name, file, text, want string
	}{
		{"v1", "skaffold.yaml", "apiVersion: skaffold/v1beta2\nkind: Config\n", "skaffold.yaml:1: apiVersion skaffold/v1beta2 is older than skaffold/v2: run `skaffold fix --overwrite` first"},
		{"v1 in a later document", "skaffold.yaml", v4 + "---\napiVersion: skaffold/v1\nkind: Config\n", "skaffold.yaml:4: apiVersion skaffold/v1 is older"},
		{"not skaffold", "skaffold.yaml", "apiVersion: apps/v1\nkind: Deployment\n", "skaffold.yaml:1: not a Skaffold config"},
		{"not YAML", "skaffold.yaml", "a: [\n", "skaffold.yaml: not YAML"},
		{"empty", "skaffold.yaml", "# nothing\n", "holds no Skaffold config"},
		{"no docker artifact", "skaffold.yaml", v4 + "build: {artifacts: [{image: a, jib: {}}]}\n", "has no docker artifact to make a service of (1 parts not converted)"},
		{"missing", "other.yaml", "", "reading other.yaml"},
		{"no origin", filepath.Join(noOrigin, "skaffold.yaml"), "", "no remote origin; add one with git remote add origin URL"},
		{"no git", filepath.Join(noGit, "skaffold.yaml"), "", "is not in a git checkout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if !filepath.IsAbs(file) {
				dir, _ := project(t, map[string]string{"README.md": "x\n"})
				if tt.text != "" {
					writeFile(t, filepath.Join(dir, file), tt.text)
				}
				t.Chdir(dir)
			}
			_, err := Import(t.Context(), gitsync.NewClient(retry.Policy{}), Options{File: file, Root: t.TempDir(), Registry: "r.example.com", Env: "dev"})
			var ce *ConfigError
			if !errors.As(err, &ce) || !ce.UsageError() || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want a usage error with %q", err, tt.want)
			}
		})
	}
}

// TestMissingRequirement reports a required config that is not there and
// imports the rest.
func TestMissingRequirement(t *testing.T) {
	dir, _ := project(t, map[string]string{"skaffold.yaml": "apiVersion: skaffold/v3\nkind: Config\nrequires:\n- path: nowhere\n- configs: [other]\nbuild: {artifacts: [{image: a}]}\n"})
	res := importOK(t, Options{File: filepath.Join(dir, "skaffold.yaml")})
	if len(res.Services) != 1 {
		t.Fatalf("services = %+v", res.Services)
	}
	wantItems(t, "unconverted", res.Unconverted, 2, "skaffold.yaml:4: requires nowhere — no such file", "skaffold.yaml:5: requires config other — no config of that name in skaffold.yaml")
	wantItems(t, "notes", res.Notes, 1, "skaffold.yaml:6: artifact a — no Dockerfile in the repository")
}

func TestGlob(t *testing.T) {
	tr := memTree{"k8s/a.yaml": nil, "k8s/b.yml": nil, "k8s/sub/c.yaml": nil, "k8s/sub/deeper/d.yaml": nil, "other/e.yaml": nil}
	for pattern, want := range map[string]string{
		"k8s/*.yaml":     "k8s/a.yaml",
		"./k8s/*.y?ml":   "k8s/a.yaml",
		"k8s/**.yaml":    "k8s/a.yaml k8s/sub/c.yaml k8s/sub/deeper/d.yaml",
		"k8s/**/*.yaml":  "k8s/a.yaml k8s/sub/c.yaml k8s/sub/deeper/d.yaml",
		"**/c.yaml":      "k8s/sub/c.yaml",
		"k8s/b.yml":      "k8s/b.yml",
		"k8s/none.yaml":  "",
		"k8s/*/c.yaml":   "k8s/sub/c.yaml",
		"other/../k8s/*": "k8s/a.yaml k8s/b.yml",
	} {
		if got := strings.Join(glob(tr, pattern), " "); got != want {
			t.Errorf("glob(%q) = %q, want %q", pattern, got, want)
		}
	}
}

func writeFile(t *testing.T, p, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
