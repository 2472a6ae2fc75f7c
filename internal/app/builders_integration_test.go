package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/report"
)

func TestIntegrationBuilderImages(t *testing.T) {
	p := newPlatform(t, "svc")
	builder := p.registry + "/builders/tool:newest"
	dockerfile := "ARG BASE_IMAGE=" + p.base + "\nFROM ${BASE_IMAGE}\nARG VERSION=v1\nRUN echo $VERSION > /builder-version\n"
	if err := os.MkdirAll(filepath.Join(p.root, "builders/tool"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.root, "builders/tool/Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	p.writeManifest(func(_ string, svc map[string]string) {
		svc["builder"] = builder
		svc["build"] = `["cat /builder-version > out.txt"]`
		svc["test"] = `["grep -q v out.txt"]`
	})

	// A builder image that is nowhere is made from builders/tool/.
	r := p.build(ExitOK)["svc"]
	if r.Action != report.ActionBuilt || p.fileInImage(r.Image, "/out.txt") != "v1" {
		t.Fatalf("build with a missing builder = %+v", r)
	}

	// update-builder rebuilds it with new args and pushes it.
	code, rep, stderr := p.run(t.Context(), "update-builder", "--build-arg", "VERSION=v2", "tool")
	if code != ExitOK || len(rep.Services) != 1 || rep.Services[0].Action != report.ActionBuilt {
		t.Fatalf("update-builder: exit %d %+v\n%s", code, rep.Services, stderr)
	}
	if _, err := image.NewRegistry().Digest(t.Context(), image.Cut(builder)); err != nil {
		t.Fatalf("builder not pushed: %v", err)
	}
	p.remotes["svc"].Commit(t, "master", map[string]string{"x": "1"}, "next")
	if r := p.build(ExitOK)["svc"]; p.fileInImage(r.Image, "/out.txt") != "v2" {
		t.Fatalf("build after update-builder used the old builder: %+v", r)
	}

	// A service name works too; an unknown one is a usage error.
	if code, _, stderr := p.run(t.Context(), "update-builder", "svc"); code != ExitOK {
		t.Fatalf("update-builder svc: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := p.run(t.Context(), "update-builder", "nope"); code != ExitUsage || !strings.Contains(stderr, "builders/nope/Dockerfile") {
		t.Fatalf("update-builder nope: exit %d\n%s", code, stderr)
	}
}
