package skaffold

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/retry"
	"github.com/x-platform/x-platform/internal/testenv"
)

func deployment(name, image string) string {
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name + "}\nspec:\n  selector: {matchLabels: {app: " + name + "}}\n" +
		"  template:\n    metadata: {labels: {app: " + name + "}}\n    spec: {containers: [{name: " + name + ", image: " + image + "}]}\n"
}

func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// project is a checkout of a new remote holding files; it returns the
// checkout's folder and the remote's URL.
func project(t *testing.T, files map[string]string) (string, string) {
	t.Helper()
	r := testenv.NewRemote(t, files)
	dir := filepath.Join(t.TempDir(), "project")
	testenv.RunGit(t, "", "clone", "--quiet", r.URL, dir)
	return dir, r.URL
}

func importOK(t *testing.T, o Options) *Result {
	t.Helper()
	if o.Root == "" {
		o.Root = t.TempDir()
	}
	if o.Registry == "" {
		o.Registry = "registry.example.com/shop"
	}
	if o.Env == "" {
		o.Env = "dev"
	}
	res, err := Import(t.Context(), gitsync.NewClient(retry.Policy{}), o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// lineOf is the line of text on which s first appears.
func lineOf(t *testing.T, text, s string) int {
	t.Helper()
	i := strings.Index(text, s)
	if i < 0 {
		t.Fatalf("%q is not in the config", s)
	}
	return strings.Count(text[:i], "\n") + 1
}

// wantItems checks that items hold each of want (file:line: what — why
// prefixes), and no more than n items in all when n ≥ 0.
func wantItems(t *testing.T, kind string, items []Item, n int, want ...string) {
	t.Helper()
	var got []string
	for _, it := range items {
		got = append(got, it.String())
	}
	all := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains("\n"+all, "\n"+w) {
			t.Errorf("%s lack %q:\n%s", kind, w, all)
		}
	}
	if n >= 0 && len(items) != n {
		t.Errorf("%d %s, want %d:\n%s", len(items), kind, n, all)
	}
}

func service(t *testing.T, res *Result, name string) Service {
	t.Helper()
	for _, s := range res.Services {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no service %s among %+v", name, res.Services)
	return Service{}
}
