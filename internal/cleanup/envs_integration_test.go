package cleanup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/x-platform/x-platform/internal/deploy/release"
)

// TestIntegrationRecordsWhereDeploysWriteThem reads the records of an
// environment that names no namespace from the one deploys choose: the
// overlay's own, though the kube context names another. Reading the
// context's would find no records and delete the image that runs.
func TestIntegrationRecordsWhereDeploysWriteThem(t *testing.T) {
	f := newFixture(t, "")
	path := filepath.Join(f.root, "x-platform.yml")
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	unnamed := strings.Replace(string(text), "staging: {namespace: "+f.ns+"}", "staging: {}", 1)
	overlay := filepath.Join(f.root, "k8s", "overlays", "staging")
	files := map[string]string{
		path: unnamed,
		filepath.Join(overlay, "kustomization.yaml"): "namespace: " + f.ns + "\nresources: [config.yaml]\n",
		filepath.Join(overlay, "config.yaml"):        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n",
	}
	for p, s := range files {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := clientcmd.LoadFromFile(f.kube)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Contexts[cfg.CurrentContext].Namespace = "elsewhere"
	f.kube = filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, f.kube); err != nil {
		t.Fatal(err)
	}

	f.sync()
	running := f.push(old(), strings.Repeat("4", 40))
	f.record(1, release.Deployed, strings.Repeat("4", 40), running)
	res, err := Plan(t.Context(), f.options())
	if err != nil {
		t.Fatal(err)
	}
	keep, del := planned(t, res)
	if _, ok := del[running]; ok {
		t.Fatalf("the running image %s would be deleted: %v", running, del[running])
	}
	if reasons := strings.Join(keep[running], "; "); !strings.Contains(reasons, "release 1 of staging") {
		t.Errorf("kept %s for %q, want its release", running, reasons)
	}
}
