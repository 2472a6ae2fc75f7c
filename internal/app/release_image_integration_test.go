package app

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationMakeReleaseImage runs the image half of `make release` on
// the orchestrator image `make image` built from this tree: the image is
// tagged with the version and refused when its label or its `version`
// output names another one.
func TestIntegrationMakeReleaseImage(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	built := orchestratorImage(t)
	name := testenv.UniqueName(t, "xp-release")
	img := name + ":build"
	docker := func(args ...string) (string, error) {
		out, err := exec.CommandContext(context.Background(), "docker", args...).CombinedOutput()
		return string(out), err
	}
	if out, err := docker("tag", built, img); err != nil {
		t.Fatalf("docker tag: %v\n%s", err, out)
	}
	// The version `make image` stamped; make release is given the same.
	label, err := docker("image", "inspect", "-f", `{{index .Config.Labels "org.opencontainers.image.version"}}`, img)
	if err != nil {
		t.Fatalf("docker image inspect: %v\n%s", err, label)
	}
	version := strings.TrimSpace(label)
	if version == "" {
		t.Fatalf("make image stamped no version on %s", built)
	}
	t.Cleanup(func() { _, _ = docker("image", "rm", img, name+":"+version) })
	release := func(args ...string) (string, error) {
		// -o: the binaries and the image are taken as made.
		mk := exec.Command("make", append([]string{"-C", repo, "-o", "release-binaries", "-o", "image", "release", "XP_IMAGE=" + img}, args...)...)
		out, err := mk.CombinedOutput()
		return string(out), err
	}

	if out, err := release("VERSION=v0.0.0-elsewhere"); err == nil || !strings.Contains(out, "is labelled "+version+", not v0.0.0-elsewhere") {
		t.Errorf("make release of an image labelled %s as another version: %v\n%s", version, err, out)
	}
	if out, err := release("VERSION=" + version); err != nil {
		t.Fatalf("make release: %v\n%s", err, out)
	}
	if out, err := docker("image", "inspect", "-f", `{{index .Config.Labels "org.opencontainers.image.version"}}`, name+":"+version); err != nil || strings.TrimSpace(out) != version {
		t.Errorf("the release image %s:%s: %v, label %q", name, version, err, out)
	}
	if out, err := docker("run", "--rm", name+":"+version, "version"); err != nil || !strings.Contains(out, " "+version+" ") {
		t.Errorf("x-platform version in the release image: %v\n%s", err, out)
	}
}
