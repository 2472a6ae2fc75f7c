package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"

	xpimage "github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// platform is a throw-away platform folder: a manifest whose services live in
// real git remotes, built with a real engine and pushed to a real registry.
type platform struct {
	t        testing.TB
	root     string
	registry string // host:port/prefix
	docker   *client.Client
	remotes  map[string]*testenv.Remote
	// urls overrides a remote's file:// URL, e.g. with its smart HTTP one.
	urls map[string]string
	base string
	// stderrs keeps what every run printed, in order.
	stderrs []string
	// top is written at the top of the manifest (builders:, say).
	top string
}

// serviceFiles is a service repo: its build writes out.txt, its test checks it,
// and the image carries it.
func serviceFiles(name string) map[string]string {
	return map[string]string{
		"Dockerfile": "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY out.txt /out.txt\n",
		".gitignore": "out.txt\n",
		"README.md":  name + "\n",
	}
}

func newPlatform(t testing.TB, services ...string) *platform {
	t.Helper()
	p := &platform{
		t:        t,
		root:     t.TempDir(),
		registry: testenv.Registry(t) + "/" + testenv.UniqueName(t, "x"),
		docker:   testenv.Docker(t),
		remotes:  map[string]*testenv.Remote{},
		urls:     map[string]string{},
		base:     testenv.BaseImage(t),
	}
	for _, s := range services {
		p.remotes[s] = testenv.NewRemote(t, serviceFiles(s))
	}
	p.writeManifest(nil)
	t.Cleanup(p.removeImages)
	return p
}

// writeManifest writes x-platform.yml; edit may change a service's lines:
// reference, builder, build and test always, and optionally dir (default
// src/<name>), path (git.path), buildArgs (a YAML flow mapping; default
// BASE_IMAGE only, see baseArgs), and the flow values caches
// (dockerBuilder.caches), env (dockerBuilder.env), reports
// (scripts.reports) and secrets; top, when set, is written before services.
func (p *platform) writeManifest(edit func(name string, svc map[string]string)) {
	var b strings.Builder
	fmt.Fprintf(&b, "registry: %s\n%sservices:\n", p.registry, p.top)
	for _, name := range slices.Sorted(maps.Keys(p.remotes)) {
		svc := map[string]string{
			"reference": "origin/master",
			"builder":   p.base,
			"build":     `["echo built-$XP_COMMIT > out.txt"]`,
			"test":      `["test -s out.txt", "grep -q built out.txt"]`,
			"dir":       "src/" + name,
			"buildArgs": p.baseArgs(),
		}
		url := p.remotes[name].URL
		if u, ok := p.urls[name]; ok {
			url = u
		}
		if edit != nil {
			edit(name, svc)
		}
		var git, builder, scripts, extra string
		if svc["path"] != "" {
			git = "\n      path: " + svc["path"]
		}
		for _, k := range []string{"caches", "env"} {
			if svc[k] != "" {
				builder += fmt.Sprintf("\n      %s: %s", k, svc[k])
			}
		}
		if svc["reports"] != "" {
			scripts = "\n      reports: " + svc["reports"]
		}
		if svc["secrets"] != "" {
			extra = "    secrets: " + svc["secrets"] + "\n"
		}
		if svc["timeout"] != "" {
			extra += "    timeout: " + svc["timeout"] + "\n"
		}
		fmt.Fprintf(&b, `  %s:
    dir: %s
    git:
      remote: %s
      reference: %s%s
    dockerBuilder:
      image: %s
      workdir: /work/%s%s
    docker:
      image: %s
      buildArgs: %s
    scripts:
      build: %s
      test: %s%s
%s`, name, svc["dir"], url, svc["reference"], git, svc["builder"], name, builder, name, svc["buildArgs"], svc["build"], svc["test"], scripts, extra)
	}
	if err := os.WriteFile(filepath.Join(p.root, "x-platform.yml"), []byte(b.String()), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// baseArgs is a buildArgs flow mapping passing the base image as BASE_IMAGE,
// followed by the extra "KEY: value" entries given.
func (p *platform) baseArgs(extra ...string) string {
	return fmt.Sprintf("{%s}", strings.Join(append([]string{fmt.Sprintf("BASE_IMAGE: %q", p.base)}, extra...), ", "))
}

// run executes x-platform with args in the platform folder and returns the
// exit code, the JSON report (when --output json was given) and stderr.
func (p *platform) run(ctx context.Context, args ...string) (int, report.Report, string) {
	p.t.Helper()
	code, out, stderr := p.runOutput(ctx, "json", args...)
	var r report.Report
	if out != "" {
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			p.t.Fatalf("x-platform %s: stdout is not a JSON report: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return code, r, stderr
}

// runOutput executes x-platform with --output format and returns the exit
// code, stdout and stderr.
func (p *platform) runOutput(ctx context.Context, format string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	all := append([]string{"x-platform", "--file", filepath.Join(p.root, "x-platform.yml"), "--output", format}, args...)
	code := Run(ctx, all, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	p.stderrs = append(p.stderrs, errOut.String())
	return code, out.String(), errOut.String()
}

// build runs `build` and fails the test unless the exit code is want.
func (p *platform) build(want int, args ...string) map[string]report.ServiceResult {
	p.t.Helper()
	code, r, stderr := p.run(p.t.Context(), append([]string{"build"}, args...)...)
	if code != want {
		p.t.Fatalf("build %v: exit %d, want %d\nstderr:\n%s", args, code, want, stderr)
	}
	byName := map[string]report.ServiceResult{}
	for _, s := range r.Services {
		byName[s.Name] = s
	}
	return byName
}

func (p *platform) ref(service, tag string) string {
	return p.registry + "/" + service + ":" + tag
}

// removeImages deletes every local image of this platform's registry prefix.
func (p *platform) removeImages() {
	ctx := context.Background()
	list, err := p.docker.ImageList(ctx, image.ListOptions{All: true})
	if err != nil {
		p.t.Errorf("listing images: %v", err)
		return
	}
	for _, img := range list {
		for _, tag := range img.RepoTags {
			if strings.HasPrefix(tag, p.registry+"/") {
				if _, err := p.docker.ImageRemove(ctx, tag, image.RemoveOptions{Force: true, PruneChildren: true}); err != nil {
					p.t.Errorf("removing %s: %v", tag, err)
				}
			}
		}
	}
}

// labels are the labels of an image in the engine.
func (p *platform) labels(ref string) map[string]string {
	p.t.Helper()
	info, err := p.docker.ImageInspect(p.t.Context(), ref)
	if err != nil {
		p.t.Fatalf("inspecting %s: %v", ref, err)
	}
	return info.Config.Labels
}

// remoteDigest is the digest ref has in its registry, or "".
func (p *platform) remoteDigest(t *testing.T, ref string) string {
	t.Helper()
	d, err := xpimage.NewRegistry().Digest(t.Context(), xpimage.Cut(ref))
	if err != nil {
		return ""
	}
	return d
}

// writeFile writes content to path, making its folders.
func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fileInImage reads a file from an image by running cat in it.
func (p *platform) fileInImage(ref, path string) string {
	p.t.Helper()
	ctx := p.t.Context()
	c, err := p.docker.ContainerCreate(ctx, &container.Config{Image: ref, Entrypoint: []string{"cat", path}}, nil, nil, nil, "")
	if err != nil {
		p.t.Fatalf("creating a container of %s: %v", ref, err)
	}
	defer p.docker.ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true})
	if err := p.docker.ContainerStart(ctx, c.ID, container.StartOptions{}); err != nil {
		p.t.Fatalf("starting %s: %v", ref, err)
	}
	waitC, errC := p.docker.ContainerWait(ctx, c.ID, container.WaitConditionNotRunning)
	select {
	case <-waitC:
	case err := <-errC:
		p.t.Fatalf("waiting for %s: %v", ref, err)
	}
	logs, err := p.docker.ContainerLogs(ctx, c.ID, container.LogsOptions{ShowStdout: true})
	if err != nil {
		p.t.Fatalf("reading output of %s: %v", ref, err)
	}
	defer logs.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, io.Discard, logs); err != nil {
		p.t.Fatalf("reading output of %s: %v", ref, err)
	}
	return strings.TrimSpace(out.String())
}
