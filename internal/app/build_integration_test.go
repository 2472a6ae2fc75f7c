package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

func TestIntegrationBuildReuseAndRebuild(t *testing.T) {
	p := newPlatform(t, "zbackend", "zfrontend")
	reg := image.NewRegistry()
	ctx := t.Context()

	// First build: everything is built, and both the SHA and the branch tag are pushed.
	first := p.build(ExitOK)
	for _, name := range []string{"zbackend", "zfrontend"} {
		r := first[name]
		sha := p.remotes[name].Head(t, "master")
		if r.Action != report.ActionBuilt || r.Commit != sha || r.Image != p.ref(name, sha) || r.Reference != "origin/master" {
			t.Fatalf("%s first build = %+v, want built at %s", name, r, sha)
		}
		for _, tag := range []string{sha, "master"} {
			d, err := reg.Digest(ctx, image.Cut(p.ref(name, tag)))
			if err != nil || d != r.Digest {
				t.Fatalf("registry %s = %q, %v; want %s", p.ref(name, tag), d, err, r.Digest)
			}
		}
		if got := p.fileInImage(r.Image, "/out.txt"); got != "built-"+sha {
			t.Fatalf("%s /out.txt = %q", name, got)
		}
	}

	// Nothing changed: nothing is built.
	for name, r := range p.build(ExitOK) {
		if r.Action != report.ActionPresent || r.Digest != first[name].Digest {
			t.Fatalf("%s second build = %+v, want present", name, r)
		}
	}

	// Local images gone: every service is found in the registry, and left
	// there.
	p.removeImages()
	for name, r := range p.build(ExitOK) {
		if r.Action != report.ActionFound || r.Digest != first[name].Digest {
			t.Fatalf("%s after removing images = %+v, want found", name, r)
		}
		if _, err := p.docker.ImageInspect(ctx, r.Image); err == nil {
			t.Fatalf("%s: the found image %s was pulled", name, r.Image)
		}
	}

	// A new commit on one service rebuilds exactly that service.
	sha := p.remotes["zbackend"].Commit(t, "master", map[string]string{"main.go": "package main\n"}, "change")
	third := p.build(ExitOK, "--jobs", "1")
	if r := third["zbackend"]; r.Action != report.ActionBuilt || r.Commit != sha {
		t.Fatalf("zbackend after a new commit = %+v, want built at %s", r, sha)
	}
	if r := third["zfrontend"]; r.Action != report.ActionFound {
		t.Fatalf("zfrontend after zbackend's commit = %+v, want found", r)
	}
	if d, err := reg.Digest(ctx, image.Cut(p.ref("zbackend", "master"))); err != nil || d != third["zbackend"].Digest {
		t.Fatalf("branch tag after rebuild = %q, %v; want %s", d, err, third["zbackend"].Digest)
	}
}

func TestIntegrationBuildPins(t *testing.T) {
	p := newPlatform(t, "tagged", "pinned")
	old := p.remotes["tagged"].Head(t, "master")
	p.remotes["tagged"].AnnotatedTag(t, "v1.2.3", old, "release")
	pinned := p.remotes["pinned"].Head(t, "master")
	for _, r := range p.remotes {
		r.Commit(t, "master", map[string]string{"later.txt": "tip\n"}, "tip moves on")
	}
	p.writeManifest(func(name string, svc map[string]string) {
		svc["reference"] = map[string]string{"tagged": "v1.2.3", "pinned": pinned}[name]
	})
	got := p.build(ExitOK)
	if r := got["tagged"]; r.Action != report.ActionBuilt || r.Commit != old {
		t.Fatalf("tag pin = %+v, want built at %s", r, old)
	}
	if r := got["pinned"]; r.Action != report.ActionBuilt || r.Commit != pinned {
		t.Fatalf("SHA pin = %+v, want built at %s", r, pinned)
	}
	reg := image.NewRegistry()
	if _, err := reg.Digest(t.Context(), image.Cut(p.ref("tagged", "v1.2.3"))); err != nil {
		t.Fatalf("tag name not pushed: %v", err)
	}
	if _, err := reg.Digest(t.Context(), image.Cut(p.ref("pinned", "master"))); !errorsIsNotFound(err) {
		t.Fatalf("a SHA pin pushed a branch tag: %v", err)
	}
	if _, err := os.Stat(filepath.Join(p.root, "src/tagged/later.txt")); !os.IsNotExist(err) {
		t.Fatalf("tag pin checkout has the branch tip's file: %v", err)
	}
}

func TestIntegrationBuildFailingTestPushesNothing(t *testing.T) {
	p := newPlatform(t, "broken")
	p.writeManifest(func(_ string, svc map[string]string) {
		svc["test"] = `["test -s out.txt", "echo failing >&2; exit 3", "touch never-runs"]`
	})
	code, rep, stderr := p.run(t.Context(), "build")
	r := rep.Services[0]
	if code != ExitFailed || r.Action != report.ActionFailed || !strings.Contains(r.Error, "test script line 2") || !strings.Contains(r.Error, "code 3") {
		t.Fatalf("exit %d, result = %+v\n%s", code, r, stderr)
	}
	if !strings.Contains(stderr, "failing") || strings.Contains(stderr, "touch never-runs") {
		t.Fatalf("the failing line's output is missing, or a line after it started:\n%s", stderr)
	}
	if _, err := image.NewRegistry().Digest(t.Context(), image.Cut(p.ref("broken", r.Commit))); !errorsIsNotFound(err) {
		t.Fatalf("image pushed after a failing test: %v", err)
	}
}

func TestIntegrationBuildGuardsLocalWork(t *testing.T) {
	p := newPlatform(t, "svc")
	p.build(ExitOK)
	p.remotes["svc"].Commit(t, "master", map[string]string{"README.md": "upstream\n"}, "upstream edit")
	readme := filepath.Join(p.root, "src/svc/README.md")
	if err := os.WriteFile(readme, []byte("my local edit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, r, stderr := p.run(t.Context(), "build")
	if code != ExitFailed || r.Services[0].Action != report.ActionFailed || !strings.Contains(r.Services[0].Error, "README.md") {
		t.Fatalf("build over local edits: exit %d, %+v\n%s", code, r.Services, stderr)
	}
	if b, _ := os.ReadFile(readme); string(b) != "my local edit\n" {
		t.Fatalf("local edit lost: %q", b)
	}

	got := p.build(ExitOK, "--force")
	saved := got["svc"].Saved
	if got["svc"].Action != report.ActionBuilt || len(saved) == 0 {
		t.Fatalf("--force = %+v, want built with saved work", got["svc"])
	}
	if b, _ := os.ReadFile(readme); string(b) != "upstream\n" {
		t.Fatalf("checkout after --force has %q", b)
	}
	backups, _ := filepath.Glob(filepath.Join(p.root, ".x-platform/backups/src/svc/*/README.md"))
	if len(backups) != 1 || !strings.Contains(strings.Join(saved, "\n"), filepath.Dir(backups[0])) {
		t.Fatalf("backup copies %v not named in %q", backups, saved)
	}
	if b, _ := os.ReadFile(backups[0]); string(b) != "my local edit\n" {
		t.Fatalf("saved copy has %q", b)
	}
}

// TestIntegrationBuildInterruptStopsScripts cancels a build while a script
// line runs in BuildKit: the run ends promptly and the line's processes are
// gone, not left running in the engine.
func TestIntegrationBuildInterruptStopsScripts(t *testing.T) {
	p := newPlatform(t, "slow")
	marker := testenv.UniqueName(t, "xp-interrupt")
	p.writeManifest(func(_ string, svc map[string]string) {
		svc["build"] = fmt.Sprintf(`["sleep 600; echo %s"]`, marker)
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() {
		code, _, _ := p.run(ctx, "build")
		done <- code
	}()
	waitFor(t, 2*time.Minute, "the build script to start", func() bool { return running(marker) })
	cancel()
	select {
	case code := <-done:
		if code == ExitOK {
			t.Fatal("an interrupted build exited 0")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("build did not stop after cancellation")
	}
	waitFor(t, 30*time.Second, "the script's processes to end", func() bool { return !running(marker) })
}

// running says whether a process whose command line holds marker runs: the
// shell of a line "sleep N; echo MARKER", which cannot exec the sleep.
func running(marker string) bool {
	return exec.Command("pgrep", "-f", marker).Run() == nil
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %s", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestIntegrationUsageErrors(t *testing.T) {
	p := newPlatform(t, "svc")
	code, _, stderr := p.run(t.Context(), "build", "--services", "svc,nope")
	if code != ExitUsage || !strings.Contains(stderr, "nope") || !strings.Contains(stderr, "valid: svc") {
		t.Fatalf("unknown service: exit %d\n%s", code, stderr)
	}
	if err := os.WriteFile(filepath.Join(p.root, "x-platform.yml"), []byte("registry: x\nservices:\n  svc:\n    dri: src\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = p.run(t.Context(), "build")
	if code != ExitUsage || !strings.Contains(stderr, "x-platform.yml:4:5:") {
		t.Fatalf("invalid manifest: exit %d\n%s", code, stderr)
	}
}

func errorsIsNotFound(err error) bool { return errors.Is(err, image.ErrNotFound) }
