package app

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/release"
	xpimage "github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/pipeline"
	"github.com/x-platform/x-platform/internal/report"
)

// workingCopy clones remote into a fresh folder, as a developer's own
// checkout beside the platform.
func workingCopy(t *testing.T, url string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "zbackend")
	if out, err := exec.Command("git", "clone", "-q", url, dir).CombinedOutput(); err != nil {
		t.Fatalf("cloning %s: %v\n%s", url, err, out)
	}
	return dir
}

func TestIntegrationBuildLocal(t *testing.T) {
	t.Parallel()
	p := newPlatform(t, "zbackend")
	p.writeManifest(func(_ string, svc map[string]string) {
		svc["build"] = `["cp README.md out.txt"]`
		svc["test"] = `["test -s out.txt"]`
	})
	dir := workingCopy(t, p.remotes["zbackend"].URL)
	writeFile(t, filepath.Join(dir, "README.md"), "an uncommitted change\n")

	r := p.build(ExitOK, "--local", "zbackend="+dir)["zbackend"]
	hash, err := pipeline.ContentHash(dir)
	if err != nil {
		t.Fatal(err)
	}
	ref := p.ref("zbackend", xpimage.LocalTag(hash))
	if r.Action != report.ActionBuilt || r.Image != ref || r.Reference != "local:"+dir || r.Commit != "" {
		t.Fatalf("build --local: %+v, want built %s from local:%s", r, ref, dir)
	}
	tags, err := xpimage.NewRegistry().Tags(t.Context(), xpimage.Repo(p.registry+"/zbackend"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 1 || tags[0] != xpimage.LocalTag(hash) {
		t.Errorf("registry tags %v, want only %s", tags, xpimage.LocalTag(hash))
	}
	if got := p.fileInImage(ref, "/out.txt"); got != "an uncommitted change" {
		t.Errorf("the image holds %q, not the uncommitted change", got)
	}
	if _, err := os.Stat(filepath.Join(p.root, "src", "zbackend")); !os.IsNotExist(err) {
		t.Errorf("the service's checkout was made: %v", err)
	}

	// The same folder again, named in x-platform.local.yml: nothing to build.
	writeFile(t, filepath.Join(p.root, manifest.LocalFileName), "local:\n  zbackend: "+dir+"\n")
	if again := p.build(ExitOK)["zbackend"]; again.Action != report.ActionReused || again.Image != ref {
		t.Errorf("second build --local: %+v, want %s reused", again, ref)
	}

	code, _, stderr := p.run(t.Context(), "build", "--local", "nope="+dir)
	if code != ExitUsage || !strings.Contains(stderr, `"nope": no such service`) {
		t.Errorf("unknown service: exit %d\n%s", code, stderr)
	}
}

func TestIntegrationDeployLocal(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend")
	dir := workingCopy(t, c.remotes["zbackend"].URL)
	writeFile(t, filepath.Join(dir, "main.go"), "package main // not committed\n")
	hash, err := pipeline.ContentHash(dir)
	if err != nil {
		t.Fatal(err)
	}
	tag := xpimage.LocalTag(hash)

	code, out, stderr := c.run(t.Context(), "json", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig, "--local", "zbackend="+dir)
	if code != ExitFailed || !strings.Contains(stderr, "build it first with x-platform build --local zbackend="+dir) {
		t.Fatalf("deploy of an unbuilt folder: exit %d\n%s%s", code, out, stderr)
	}

	// Stands for what build --local pushed (building is tested above).
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(c.registry + "/zbackend:" + tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
	r := c.deploy(ExitOK, "--local", "zbackend="+dir)
	if len(r.Services) != 1 || r.Services[0].Reference != "local:"+dir || r.Services[0].Commit != tag {
		t.Errorf("deploy --local services %+v", r.Services)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := c.image("zbackend"); !strings.HasSuffix(got, "@"+digest.String()) {
		t.Errorf("the deployment runs %s, not the folder's image %s", got, digest)
	}
	// The record keeps the folder's tag as the image's tag; no commit
	// built the image, so it names none.
	if got := storedServices(t, c, "staging", 1); len(got) != 1 || got[0]["commit"] != "" || got[0]["tag"] != tag || got[0]["image"] != ref.String() {
		t.Errorf("release record services %v, want commit \"\", tag %s and image %s", got, tag, ref)
	}
	// render and diff take the folder as deploy does, from the flag or from
	// x-platform.local.yml: nothing would change.
	code, out, stderr = c.run(t.Context(), "text", "render", "--env", "staging", "--local", "zbackend="+dir)
	if code != ExitOK || !strings.Contains(out, "/zbackend@"+digest.String()) {
		t.Errorf("render --local: exit %d, want the folder's image %s\n%s%s", code, digest, out, stderr)
	}
	if code, out, stderr = c.run(t.Context(), "json", "diff", "--env", "staging", "--kubeconfig", c.env.Kubeconfig, "--local", "zbackend="+dir); code != ExitOK {
		t.Errorf("diff --local after deploy --local: exit %d, want no changes\n%s%s", code, out, stderr)
	}
	c.write("x-platform.local.yml", "local:\n  zbackend: "+dir+"\n")
	if code, out, stderr = c.run(t.Context(), "json", "diff", "--env", "staging", "--kubeconfig", c.env.Kubeconfig); code != ExitOK {
		t.Errorf("diff with %s after deploy --local: exit %d, want no changes\n%s%s", "x-platform.local.yml", code, out, stderr)
	}
	if err := os.Remove(filepath.Join(c.root, "x-platform.local.yml")); err != nil {
		t.Fatal(err)
	}
	// status shows it as local, and --fail-on local finds it.
	st := c.statusOf(ExitFailed, "--env", "staging", "--kubeconfig", c.env.Kubeconfig, "--fail-on", "local")
	if s := serviceOf(t, st, "staging", "zbackend"); !slices.Contains(s.Flags, deploy.FlagLocal) || s.Commit != tag {
		t.Errorf("status of a folder's release: flags %v, commit %q, want %s and the folder's tag %s", s.Flags, s.Commit, deploy.FlagLocal, tag)
	}

	// A protected environment refuses it, before touching the cluster.
	manifestPath := filepath.Join(c.root, "x-platform.yml")
	b, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	c.write("x-platform.yml", strings.Replace(string(b), "staging: {namespace: ", "staging: {protected: true, namespace: ", 1))
	before := c.snapshot()
	code, out, stderr = c.run(t.Context(), "json", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig, "--local", "zbackend="+dir)
	if code != ExitUsage || !strings.Contains(stderr, "is protected") {
		t.Fatalf("deploy --local to a protected environment: exit %d\n%s%s", code, out, stderr)
	}
	c.sameSnapshot("a refused deploy", before)
	code, out, stderr = c.run(t.Context(), "json", "history", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	var h report.HistoryReport
	if err := json.Unmarshal([]byte(out), &h); code != ExitOK || err != nil {
		t.Fatalf("history: exit %d %v\n%s%s", code, err, out, stderr)
	}
	if len(h.Revisions) != 1 {
		t.Errorf("%d release records after the refused deploy, want the one before it", len(h.Revisions))
	} else if s := h.Revisions[0].Services; len(s) != 1 || s[0].Commit != tag {
		t.Errorf("history of a folder's release shows %+v, want the folder's tag %s as its commit", s, tag)
	}
}

// storedServices reads the services of an environment's release record as
// the cluster stores them, without the decoding a reader does.
func storedServices(t *testing.T, c *cluster, env string, revision int) []map[string]string {
	t.Helper()
	sec, err := c.cs.CoreV1().Secrets(c.ns).Get(t.Context(), release.SecretName(env, revision), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading release %d of %s: %v", revision, env, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(sec.Data["release"]))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Services []map[string]string `json:"services"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatalf("decoding release %d of %s: %v\n%s", revision, env, err, data)
	}
	return rec.Services
}
