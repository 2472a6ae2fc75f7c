package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/sign"
	"github.com/x-platform/x-platform/internal/testenv"
)

// copyImage copies the image src, with its blobs, to the tag dst, which may
// be in another repository, and returns its digest.
func copyImage(t testing.TB, src, dst string) string {
	t.Helper()
	from, err := name.ParseReference(src)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(from, remote.WithContext(t.Context()))
	if err != nil {
		t.Fatalf("reading %s: %v", src, err)
	}
	return testenv.WriteImage(t, dst, img)
}

// cosignTag is where cosign keeps a digest's signatures (sig) or
// attestations (att).
func cosignTag(digest, kind string) string {
	return "sha256-" + strings.TrimPrefix(digest, "sha256:") + "." + kind
}

// verifyReport runs verify and decodes its report.
func (c *cluster) verifyReport(want int) (report.VerifyReport, string) {
	c.t.Helper()
	code, out, stderr := c.run(c.t.Context(), "json", "verify")
	var r report.VerifyReport
	if err := json.Unmarshal([]byte(out), &r); code != want || err != nil {
		c.t.Fatalf("verify: exit %d, want %d; %v\n%s\n%s", code, want, err, out, stderr)
	}
	_, text, _ := c.run(c.t.Context(), "text", "verify")
	return r, text
}

// TestIntegrationCopiedSignatureRefused: an image signed, with its
// provenance, as another service's build, copied with its .sig and .att
// into zbackend's repository under zbackend's commit tag, is refused by a
// deploy to an environment that requires signatures and by verify, each
// naming what the provenance says; so is zbackend's own signed image
// tagged for another commit. The image signed for its service and commit
// goes out.
func TestIntegrationCopiedSignatureRefused(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend", "zfront")
	key, pub := writeKeyPair(t, t.TempDir(), "copy-pw")
	env := passwordEnv(t, "copy-pw")
	c.checkout()
	backend, front := c.remotes["zbackend"].Head(t, "master"), c.remotes["zfront"].Head(t, "master")
	c.push("zfront", front)
	c.signImage(key, env, "zfront", front)
	// zfront's build of an unreviewed branch, signed as zfront's.
	unreviewed := c.remotes["zfront"].Commit(t, "feature/x", map[string]string{"x": "x"}, "unreviewed")
	foreign := c.push("zfront", unreviewed)
	c.signImage(key, env, "zfront", unreviewed)

	// Copied into zbackend's repository under zbackend's commit.
	zb, zf := c.registry+"/zbackend", c.registry+"/zfront"
	c.digests[zb+":"+backend] = copyImage(t, zf+"@"+foreign, zb+":"+backend)
	for _, kind := range []string{"sig", "att"} {
		copyImage(t, zf+":"+cosignTag(foreign, kind), zb+":"+cosignTag(foreign, kind))
	}
	c.requireSignatures(pub, true)
	before := c.snapshot()
	copied := "image " + zb + "@" + foreign + " was signed as service zfront of " + zf + " at commit " + unreviewed +
		", not service zbackend of " + zb + " at commit " + backend
	r := c.deploy(ExitFailed)
	if !strings.Contains(r.Error, "requires signed images") || !strings.Contains(r.Error, "zbackend: "+copied) {
		t.Errorf("deploy of a copied signature: error %q\nwant it to say %q", r.Error, copied)
	}
	if len(r.Services) != 1 || r.Services[0].Name != "zbackend" || r.Services[0].Error != copied {
		t.Errorf("deploy of a copied signature: services %+v, want zbackend failed", r.Services)
	}
	c.sameSnapshot("deploy of a copied signature", before)
	rep, text := c.verifyReport(ExitFailed)
	checkVerified(t, rep, "zbackend", sign.OK, sign.Mismatch, copied)
	checkVerified(t, rep, "zfront", sign.OK, sign.OK, "")
	if !strings.Contains(text, "zbackend: "+copied) {
		t.Errorf("verify's table does not say why zbackend is refused:\n%s", text)
	}

	// zbackend's own image, signed for its commit, goes out.
	c.push("zbackend", backend)
	c.signImage(key, env, "zbackend", backend)
	c.deploy(ExitOK)
	rep, _ = c.verifyReport(ExitOK)
	checkVerified(t, rep, "zbackend", sign.OK, sign.OK, "")

	// The same image tagged for a newer commit was not built from it.
	newer := c.remotes["zbackend"].Commit(t, "master", map[string]string{"v2": "2"}, "v2")
	signed := c.digests[zb+":"+backend]
	c.digests[zb+":"+newer] = copyImage(t, zb+"@"+signed, zb+":"+newer)
	before = c.snapshot()
	other := "image " + zb + "@" + signed + " was signed as service zbackend at commit " + backend + ", not service zbackend at commit " + newer
	if r := c.deploy(ExitFailed, "--sync"); !strings.Contains(r.Error, other) {
		t.Errorf("deploy of another commit's image: error %q\nwant it to say %q", r.Error, other)
	}
	c.sameSnapshot("deploy of another commit's image", before)
	rep, _ = c.verifyReport(ExitFailed)
	checkVerified(t, rep, "zbackend", sign.OK, sign.Mismatch, other)
}

func checkVerified(t *testing.T, r report.VerifyReport, service string, sig, att sign.Status, problem string) {
	t.Helper()
	for _, s := range r.Services {
		if s.Name == service {
			if s.Signature != string(sig) || s.Attestation != string(att) || !strings.Contains(s.Error, problem) || problem == "" && s.Error != "" {
				t.Errorf("verify of %s: %+v, want signature %s, attestation %s, error %q", service, s, sig, att, problem)
			}
			return
		}
	}
	t.Errorf("verify reported no %s: %+v", service, r.Services)
}

// TestIntegrationPreviewBuildRefusedWhereSignaturesRequired: a preview's
// build of its branch is signed as the preview's. Previews take it (their
// template requires signatures too); staging, which requires signatures,
// refuses it on deploy, verify and a promote from the preview, until a
// release build of the same commit signs it for itself.
func TestIntegrationPreviewBuildRefusedWhereSignaturesRequired(t *testing.T) {
	v := newPreviews(t, "zsig")
	key, _ := writeKeyPair(t, t.TempDir(), "preview-pw")
	manifest := filepath.Join(v.root, "x-platform.yml")
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	text := "signing: {key: " + key + ", passwordEnv: " + passwordEnv(t, "preview-pw") + "}\n" + string(b)
	for old, repl := range map[string]string{
		"staging: {namespace: " + v.staging + "}": "staging: {namespace: " + v.staging + ", requireSignatures: true}",
		"  preview:\n    preview:":                "  preview:\n    requireSignatures: true\n    preview:",
	} {
		if !strings.Contains(text, old) {
			t.Fatalf("the manifest has no %q:\n%s", old, text)
		}
		text = strings.Replace(text, old, repl, 1)
	}
	writeFile(t, manifest, text)
	head := v.remotes["zsig"].Commit(t, "feature/x", map[string]string{"README.md": "unreviewed\n"}, "unreviewed")

	r := v.deploy("feature/x")
	if !r.OK || len(r.Services) != 1 || r.Services[0].Commit != head {
		t.Fatalf("deploy --preview feature/x: %+v", r)
	}
	preview := v.prefix + "-feature-x"
	built := r.Services[0].Digest

	// staging pins the branch's head, whose only image is the preview's.
	b, err = os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, manifest, strings.Replace(string(b), "reference: origin/master", "reference: origin/feature/x", 1))
	refused := "image " + v.registry + "/zsig@" + built + " was signed as service zsig at commit " + head +
		" for the preview of branch feature/x, which only previews take"
	out, _ := v.x(ExitFailed, "json", "deploy", "--env", "staging", "--timeout", "90s")
	var dr report.DeployReport
	if err := json.Unmarshal([]byte(out), &dr); err != nil || !strings.Contains(dr.Error, "zsig: "+refused) {
		t.Errorf("deploy --env staging of a preview's build: %v, error %q\nwant it to say %q", err, dr.Error, refused)
	}
	code, out, stderr := v.runOutput(t.Context(), "json", "verify")
	var vr report.VerifyReport
	if err := json.Unmarshal([]byte(out), &vr); code != ExitFailed || err != nil {
		t.Fatalf("verify: exit %d %v\n%s\n%s", code, err, out, stderr)
	}
	checkVerified(t, vr, "zsig", sign.OK, sign.Mismatch, refused)
	out, _ = v.x(ExitFailed, "json", "promote", "--from", preview, "--to", "staging", "--timeout", "90s")
	if err := json.Unmarshal([]byte(out), &dr); err != nil || !strings.Contains(dr.Error, refused) {
		t.Errorf("promote from the preview to staging: %v, error %q\nwant it to say %q", err, dr.Error, refused)
	}
	// A protected environment refuses a preview as the source outright.
	b, err = os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, manifest, strings.Replace(string(b), "requireSignatures: true}", "requireSignatures: true, protected: true}", 1))
	if _, stderr := v.x(ExitUsage, "text", "promote", "--from", preview, "--to", "staging"); !strings.Contains(stderr, "environment staging is protected: it takes no preview's images") {
		t.Errorf("promote from the preview to a protected staging: %s", stderr)
	}
	list, err := v.cs.AppsV1().Deployments(v.staging).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 0 {
		t.Errorf("staging after the refusals: %d deployments, want none", len(list.Items))
	}

	// A release build of the same commit signs the same image for itself.
	if got := v.build(ExitOK)["zsig"]; got.Digest != built || got.Commit != head {
		t.Errorf("build of the branch's head: %+v, want the preview's image %s reused", got, built)
	}
	out, _ = v.x(ExitOK, "json", "deploy", "--env", "staging", "--timeout", "90s")
	if err := json.Unmarshal([]byte(out), &dr); err != nil || !dr.OK {
		t.Errorf("deploy --env staging after a release build: %v\n%s", err, out)
	}
	// And the preview still takes it.
	if r := v.deploy("feature/x"); !r.OK {
		t.Errorf("redeploy of the preview: %+v", r)
	}
}
