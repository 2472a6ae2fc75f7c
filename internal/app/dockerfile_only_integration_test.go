package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/cachekey"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationBuildDockerfileOnly builds a service that names no builder
// image and no scripts: its Dockerfile alone makes the image, which is
// pushed and, on the next run, reused.
func TestIntegrationBuildDockerfileOnly(t *testing.T) {
	p := newPlatform(t)
	p.remotes["web"] = testenv.NewRemote(t, map[string]string{
		"Dockerfile":      "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY site/index.html /srv/index.html\n",
		"site/index.html": "hello from the Dockerfile\n",
	})
	manifest := fmt.Sprintf(`registry: %s
version: 1
services:
  web:
    dir: src/web
    git: {remote: %s, reference: origin/master}
    docker:
      image: web
      buildArgs: %s
`, p.registry, p.remotes["web"].URL, p.baseArgs())
	if err := os.WriteFile(filepath.Join(p.root, "x-platform.yml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}

	first := p.build(ExitOK)["web"]
	sha := p.remotes["web"].Head(t, "master")
	if first.Action != report.ActionBuilt || first.Commit != sha || first.Image != p.ref("web", sha) {
		t.Fatalf("first build = %+v, want built at %s", first, sha)
	}
	if p.remoteDigest(t, p.ref("web", sha)) != first.Digest {
		t.Fatalf("%s is not in the registry as %s", p.ref("web", sha), first.Digest)
	}
	if got := p.fileInImage(first.Image, "/srv/index.html"); got != "hello from the Dockerfile" {
		t.Fatalf("/srv/index.html = %q", got)
	}
	if l := p.labels(first.Image); l[cachekey.LabelKey] == "" || l["io.x-platform.key.builder"] != "" {
		t.Fatalf("labels = %v, want a cache key with an empty builder part", l)
	}
	if stderr := p.stderrs[len(p.stderrs)-1]; !strings.Contains(stderr, "the Dockerfile alone") {
		t.Fatalf("progress does not say the Dockerfile alone builds it:\n%s", stderr)
	}

	if again := p.build(ExitOK)["web"]; again.Action != report.ActionPresent || again.Digest != first.Digest {
		t.Fatalf("second build = %+v, want present", again)
	}
	p.removeImages()
	if found := p.build(ExitOK)["web"]; found.Action != report.ActionFound || found.Digest != first.Digest {
		t.Fatalf("build after removing the local image = %+v, want found in the registry", found)
	}

	code, _, stderr := p.runOutput(t.Context(), "text", "update-builder", "web")
	if code != ExitUsage || !strings.Contains(stderr, "web has no builder image") {
		t.Fatalf("update-builder web: exit %d, want %d\n%s", code, ExitUsage, stderr)
	}
}
