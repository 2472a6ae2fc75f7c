package docker_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/docker"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// inImage runs lines in img and returns their standard output.
func (f fixture) inImage(t *testing.T, img string, lines ...string) string {
	t.Helper()
	var out strings.Builder
	err := f.engine.Run(t.Context(), docker.RunSpec{Image: img, Workdir: "/", Lines: lines, Stdout: &out, Labels: f.labels()})
	if err != nil {
		t.Fatalf("running %q in %s: %v", lines, img, err)
	}
	return out.String()
}

func TestIntegrationBuild(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile": `ARG BASE
FROM ${BASE} AS base
ARG GREETING
RUN echo "$GREETING" > /greeting
COPY . /ctx

FROM base AS final
RUN echo final > /stage

FROM base AS broken
RUN exit 9
`,
		".dockerignore": "ignored.txt\n",
		"ignored.txt":   "must not be sent",
		"kept.txt":      "kept",
	})
	tag := "xp-test/" + f.unique + ":build"
	var log strings.Builder
	id, err := f.engine.Build(t.Context(), docker.BuildSpec{
		ContextDir: dir,
		Target:     "final",
		BuildArgs:  map[string]string{"BASE": f.base, "GREETING": "hello " + f.unique},
		Tags:       []string{tag},
		Labels:     map[string]string{testLabel: f.unique},
		Log:        &log,
	})
	if err != nil {
		t.Fatalf("Build: %v\n%s", err, log.String())
	}
	f.removeImageLater(t, id)
	if !strings.HasPrefix(id, "sha256:") {
		t.Errorf("image ID = %q", id)
	}
	if !strings.Contains(log.String(), "Step 1/") {
		t.Errorf("build log lacks the steps:\n%s", log.String())
	}

	gotID, ok, err := f.engine.Exists(t.Context(), tag)
	if err != nil || !ok || gotID != id {
		t.Fatalf("Exists(%s) = %q, %v, %v; want %q", tag, gotID, ok, err, id)
	}
	inspect, err := f.client.ImageInspect(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if inspect.Config.Labels[testLabel] != f.unique {
		t.Errorf("labels = %v", inspect.Config.Labels)
	}

	out := f.inImage(t, tag, "cat /greeting /stage", "ls -a /ctx")
	for _, want := range []string{"hello " + f.unique, "final", "kept.txt", "Dockerfile"} {
		if !strings.Contains(out, want) {
			t.Errorf("image output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ignored.txt") {
		t.Errorf("a .dockerignore'd file reached the image:\n%s", out)
	}
	f.assertNoBuilders(t)
}

func TestIntegrationBuildDockerfileOutsideContext(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctxDir, dfDir := t.TempDir(), t.TempDir()
	writeFiles(t, ctxDir, map[string]string{"app.txt": "app"})
	writeFiles(t, dfDir, map[string]string{"service.Dockerfile": "ARG BASE\nFROM ${BASE}\nCOPY . /ctx\n"})

	id, err := f.engine.Build(t.Context(), docker.BuildSpec{
		ContextDir: ctxDir,
		Dockerfile: filepath.Join(dfDir, "service.Dockerfile"),
		BuildArgs:  map[string]string{"BASE": f.base},
		Labels:     map[string]string{testLabel: f.unique},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.removeImageLater(t, id)
	out := f.inImage(t, id, "ls -a /ctx")
	if !strings.Contains(out, "app.txt") || strings.Contains(out, "dockerfile") {
		t.Errorf("/ctx holds:\n%s", out)
	}
}

func TestIntegrationBuildFailingStep(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN echo 'compiling " + f.unique + "'; echo 'undefined: frobnicate' >&2; exit 7\n",
	})
	_, err := f.engine.Build(t.Context(), docker.BuildSpec{
		ContextDir: dir,
		BuildArgs:  map[string]string{"BASE": f.base},
		Labels:     map[string]string{testLabel: f.unique},
	})
	if err == nil {
		t.Fatal("Build succeeded, want an error")
	}
	for _, want := range []string{"compiling " + f.unique, "undefined: frobnicate", "non-zero code: 7"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
