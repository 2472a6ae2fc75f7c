package docker_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/docker"
)

func TestIntegrationRunLinesInOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := t.TempDir()
	var stdout, stderr strings.Builder
	err := f.engine.Run(t.Context(), docker.RunSpec{
		Image:   f.base,
		Workdir: "/src",
		Mount:   src,
		User:    fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid()),
		Env:     []string{"GREETING=hello"},
		Lines: []string{
			"pwd > order.txt",
			"echo one >> order.txt; echo to-stdout",
			"echo two >> order.txt; echo to-stderr >&2",
			`echo "$GREETING" >> order.txt`,
		},
		Stdout: &stdout,
		Stderr: &stderr,
		Name:   "xp-test-run",
		Labels: f.labels(),
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(src, "order.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "/src\none\ntwo\nhello\n"; string(got) != want {
		t.Errorf("order.txt = %q, want %q", got, want)
	}
	if stdout.String() != "to-stdout\n" || stderr.String() != "to-stderr\n" {
		t.Errorf("stdout = %q, stderr = %q", stdout.String(), stderr.String())
	}
	f.assertNoBuilders(t)
}

func TestIntegrationRunStopsAtFailingLine(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := t.TempDir()
	var stderr strings.Builder
	err := f.engine.Run(t.Context(), docker.RunSpec{
		Image:   f.base,
		Workdir: "/work",
		Mount:   src,
		Lines:   []string{"touch first", "echo failing >&2; exit 3", "touch third"},
		Stderr:  &stderr,
		Labels:  f.labels(),
	})
	var se *docker.ScriptError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want *ScriptError", err)
	}
	if se.Index != 2 || se.ExitCode != 3 || se.Line != "echo failing >&2; exit 3" {
		t.Errorf("ScriptError = %+v", *se)
	}
	if _, err := os.Stat(filepath.Join(src, "first")); err != nil {
		t.Errorf("first line did not run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(src, "third")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("third line ran after the failure (stat: %v)", err)
	}
	if stderr.String() != "failing\n" {
		t.Errorf("stderr = %q", stderr.String())
	}
	f.assertNoBuilders(t)
}

func TestIntegrationRunMissingImage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	err := f.engine.Run(t.Context(), docker.RunSpec{
		Image:   "xp-missing/" + f.unique + ":nope",
		Workdir: "/src",
		Lines:   []string{"true"},
		Labels:  f.labels(),
	})
	if !errors.Is(err, docker.ErrImageNotFound) {
		t.Fatalf("err = %v, want ErrImageNotFound", err)
	}
	f.assertNoBuilders(t)
}

func TestIntegrationRunCancel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	done := make(chan error, 1)
	go func() {
		done <- f.engine.Run(ctx, docker.RunSpec{
			Image:   f.base,
			Workdir: "/src",
			Mount:   src,
			Lines:   []string{"touch started && sleep 30", "touch second"},
			Labels:  f.labels(),
		})
	}()

	started := filepath.Join(src, "started")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(started); err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("Run returned before the line started: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the long line never started")
		}
	}

	cancelled := time.Now()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		took := time.Since(cancelled)
		t.Logf("Run returned %v after cancel", took.Round(time.Millisecond))
		if took > 5*time.Second {
			t.Errorf("Run took %v to return after cancel", took)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if _, err := os.Stat(filepath.Join(src, "second")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a line ran after cancel (stat: %v)", err)
	}
	f.assertNoBuilders(t)
}
