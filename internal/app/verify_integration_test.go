package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/sign"
)

// requireSignatures rewrites the cluster's manifest so that staging needs
// images signed by pub, or does not.
func (c *cluster) requireSignatures(pub string, require bool) {
	c.t.Helper()
	c.writeManifest()
	path := filepath.Join(c.root, "x-platform.yml")
	data, err := os.ReadFile(path)
	if err != nil {
		c.t.Fatal(err)
	}
	text := string(data)
	if require {
		text = strings.Replace(text, "staging: {namespace: "+c.ns+"}", "staging: {namespace: "+c.ns+", requireSignatures: true}", 1)
	}
	c.write("x-platform.yml", "signing: {publicKey: "+pub+"}\n"+text)
}

// signImage signs service's image at commit with the key, as a build does.
func (c *cluster) signImage(key, passwordEnv, service, commit string) {
	c.t.Helper()
	sv, err := sign.LoadPrivateKey(key, passwordEnv)
	if err != nil {
		c.t.Fatal(err)
	}
	s, err := sign.NewSigner(sv, image.NewRegistry(), "test")
	if err != nil {
		c.t.Fatal(err)
	}
	ref := c.registry + "/" + service + ":" + commit
	if err := s.Sign(c.t.Context(), image.Cut(ref), c.digests[ref], sign.Provenance{Service: service, Commit: commit}); err != nil {
		c.t.Fatal(err)
	}
}

// revisions counts the environment's release records.
func (c *cluster) revisions() int {
	c.t.Helper()
	code, out, stderr := c.run(c.t.Context(), "json", "history", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	var h report.HistoryReport
	if err := json.Unmarshal([]byte(out), &h); code != ExitOK || err != nil {
		c.t.Fatalf("history: exit %d %v\n%s", code, err, stderr)
	}
	return len(h.Revisions)
}

func TestIntegrationDeployRequiresSignatures(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend")
	keyDir := t.TempDir()
	key, pub := writeKeyPair(t, keyDir, "deploy-pw")
	env := passwordEnv(t, "deploy-pw")
	c.checkout()

	// Revision 1 goes out unsigned, before signatures are required.
	first := c.remotes["zbackend"].Head(t, "master")
	c.push("zbackend", first)
	c.requireSignatures(pub, false)
	c.deploy(ExitOK)
	if n := c.revisions(); n != 1 {
		t.Fatalf("%d revisions after the first deploy, want 1", n)
	}

	// From now on staging requires them: an unsigned image is refused
	// before the cluster is touched.
	c.requireSignatures(pub, true)
	second := c.remotes["zbackend"].Commit(t, "master", map[string]string{"v2": "2"}, "v2")
	ref := c.registry + "/zbackend:" + second
	c.push("zbackend", second)
	before := c.snapshot()
	r := c.deploy(ExitFailed, "--sync")
	if !strings.Contains(r.Error, "requires signed images") || !strings.Contains(r.Error, "image "+c.registry+"/zbackend@"+c.digests[ref]+" is not signed") {
		t.Errorf("deploy of an unsigned image: error %q, want it to name the image", r.Error)
	}
	if len(r.Services) != 1 || r.Services[0].Name != "zbackend" || r.Services[0].Action != "failed" || !strings.Contains(r.Services[0].Error, "is not signed") {
		t.Errorf("deploy of an unsigned image: services %+v, want zbackend failed", r.Services)
	}
	c.sameSnapshot("deploy of an unsigned image", before)

	// Signed, it goes out.
	c.signImage(key, env, "zbackend", second)
	c.deploy(ExitOK)
	if img, _ := c.image("zbackend"); !strings.HasSuffix(img, "@"+c.digests[ref]) {
		t.Errorf("zbackend runs %s, want the signed %s", img, c.digests[ref])
	}
	if n := c.revisions(); n != 2 {
		t.Fatalf("%d revisions after the signed deploy, want 2", n)
	}

	// Rolling back to the unsigned revision 1 is refused, and records nothing.
	before = c.snapshot()
	code, _, stderr := c.run(t.Context(), "text", "rollback", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitFailed || !strings.Contains(stderr, "is not signed") || !strings.Contains(stderr, c.digests[c.registry+"/zbackend:"+first]) {
		t.Errorf("rollback to an unsigned release: exit %d, want %d naming the image\n%s", code, ExitFailed, stderr)
	}
	c.sameSnapshot("rollback to an unsigned release", before)

	// The tag moved to another image after signing: refused.
	moved := c.push("zbackend", second)
	r = c.deploy(ExitFailed)
	if !strings.Contains(r.Error, "zbackend@"+moved+" is not signed") {
		t.Errorf("deploy of a moved tag: error %q, want it to name %s", r.Error, moved)
	}
	c.sameSnapshot("deploy of a moved tag", before)
}
