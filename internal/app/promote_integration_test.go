package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/report"
)

// TestIntegrationPromote: staging's release goes to production, which
// requires signatures, with no checkout left to resolve anything from:
// refused while the image is unsigned, deployed once it is signed, and
// production's history names the staging revision. Bad flags exit 2.
func TestIntegrationPromote(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zpromo")
	keyDir := t.TempDir()
	key, pub := writeKeyPair(t, keyDir, "promote-pw")
	env := passwordEnv(t, "promote-pw")
	c.checkout()
	commit := c.remotes["zpromo"].Head(t, "master")
	c.push("zpromo", commit)
	c.requireSignatures(pub, false)
	c.deploy(ExitOK)

	prodNS := c.env.Namespace(t)
	manifest, err := os.ReadFile(filepath.Join(c.root, "x-platform.yml"))
	if err != nil {
		t.Fatal(err)
	}
	c.write("x-platform.yml", string(manifest)+"  production: {namespace: "+prodNS+", requireSignatures: true}\n")
	c.write("k8s/overlays/production/kustomization.yaml", "resources: [../../base/zpromo]\n")
	// No checkouts: promote resolves nothing from git.
	if err := os.RemoveAll(filepath.Join(c.root, "src")); err != nil {
		t.Fatal(err)
	}
	promote := func(want int, args ...string) (report.DeployReport, string) {
		t.Helper()
		code, out, stderr := c.run(t.Context(), "json", append([]string{"promote", "--timeout", "90s", "--kubeconfig", c.env.Kubeconfig}, args...)...)
		if code != want {
			t.Fatalf("promote %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, want, out, stderr)
		}
		var r report.DeployReport
		if code != ExitUsage {
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("promote %v: stdout is not a JSON report: %v\n%s", args, err, out)
			}
		}
		return r, stderr
	}
	productionRuns := func() int {
		t.Helper()
		list, err := c.cs.AppsV1().Deployments(prodNS).List(t.Context(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return len(list.Items)
	}

	_, stderr := promote(ExitUsage, "--from", "staging", "--to", "staging")
	if !strings.Contains(stderr, "two environments") {
		t.Errorf("promote to itself: stderr %q", stderr)
	}
	_, stderr = promote(ExitUsage, "--from", "staging", "--to", "nowhere")
	if !strings.Contains(stderr, "nowhere") {
		t.Errorf("promote to an unknown environment: stderr %q", stderr)
	}

	ref := c.registry + "/zpromo:" + commit
	r, _ := promote(ExitFailed, "--from", "staging", "--to", "production")
	if r.OK || r.Command != "promote" || !strings.Contains(r.Error, "is not signed") {
		t.Errorf("promote of an unsigned image: %+v", r)
	}
	if n := productionRuns(); n != 0 {
		t.Errorf("a refused promote applied %d deployments to production", n)
	}

	c.signImage(key, env, "zpromo", commit)
	r, _ = promote(ExitOK, "--from", "staging", "--to", "production")
	if !r.OK || r.Env != "production" || r.Revision != 1 || len(r.Services) != 1 || r.Services[0].Digest != c.digests[ref] {
		t.Errorf("promote: %+v", r)
	}
	d, err := c.cs.AppsV1().Deployments(prodNS).Get(t.Context(), "zpromo", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if img, want := d.Spec.Template.Spec.Containers[0].Image, c.registry+"/zpromo@"+c.digests[ref]; img != want {
		t.Errorf("production runs %s, want staging's %s", img, want)
	}

	code, out, stderr := c.run(t.Context(), "json", "history", "--env", "production", "--kubeconfig", c.env.Kubeconfig)
	var h report.HistoryReport
	if err := json.Unmarshal([]byte(out), &h); code != ExitOK || err != nil {
		t.Fatalf("history: exit %d %v\n%s", code, err, stderr)
	}
	if len(h.Revisions) != 1 || h.Revisions[0].PromotedFrom == nil || *h.Revisions[0].PromotedFrom != (report.PromotedFrom{Env: "staging", Revision: 1}) {
		t.Errorf("production history: %+v, want revision 1 promoted from staging revision 1", h.Revisions)
	}
}
