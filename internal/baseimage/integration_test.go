package baseimage_test

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/x-platform/x-platform/internal/baseimage"
	"github.com/x-platform/x-platform/internal/testenv"
)

func TestIntegrationBusybox(t *testing.T) {
	t.Parallel()
	cli := testenv.Docker(t)
	ref := testImage(t, cli, "busybox")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	if err := baseimage.Busybox(ctx, cli, ref); err != nil {
		t.Fatalf("Busybox: %v", err)
	}
	first := imageID(t, cli, ref)
	if err := baseimage.Busybox(ctx, cli, ref); err != nil {
		t.Fatalf("Busybox again: %v", err)
	}
	if again := imageID(t, cli, ref); again != first {
		t.Errorf("Busybox replaced the existing image %s with %s", first, again)
	}

	script := `echo ok; id -u; whoami; test -k /tmp && echo sticky; echo "$PATH"; ` +
		`echo hi | /usr/bin/env tr a-z A-Z; for a in grep sed wc tar gzip wget; do readlink -f "$(which $a)"; done`
	want := "ok\n0\nroot\nsticky\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nHI\n" +
		strings.Repeat("/bin/busybox\n", 6)
	if got := run(t, cli, ref, "sh", "-c", script); got != want {
		t.Errorf("container output:\n%s\nwant:\n%s", got, want)
	}
	if got := run(t, cli, ref, "sh", "-c", "id -u nobody; ls -ld /tmp | cut -c1-10"); got != "65534\ndrwxrwxrwt\n" {
		t.Errorf("nobody and /tmp: got %q", got)
	}
}

func TestIntegrationGoToolchain(t *testing.T) {
	testGoToolchain(t, baseimage.GoToolchain)
}

// On a Mac, or for an engine of another architecture, the toolchain's programs are built
// for the image; here they are built for this machine's own platform the same way.
func TestIntegrationGoToolchainRebuilt(t *testing.T) {
	testGoToolchain(t, baseimage.GoToolchainRebuilt)
}

func testGoToolchain(t *testing.T, make func(context.Context, baseimage.ToolchainClient, string, string) error) {
	t.Parallel()
	cli := testenv.Docker(t)
	base := testenv.BaseImage(t)
	ref := testImage(t, cli, "go")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()

	start := time.Now()
	if err := make(ctx, cli, ref, base); err != nil {
		t.Fatalf("GoToolchain: %v", err)
	}
	t.Logf("made %s in %s", ref, time.Since(start).Round(time.Millisecond))
	if err := make(ctx, cli, ref, base); err != nil {
		t.Fatalf("GoToolchain again: %v", err)
	}

	hostVersion, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	script := `echo ok; id -u; go env GOVERSION GOROOT GOTOOLCHAIN CGO_ENABLED; cd /tmp && mkdir hello && cd hello && ` +
		`printf 'package main\n\nfunc main() { println("built offline") }\n' > main.go && ` +
		`go mod init example.com/hello >/dev/null 2>&1 && go build -o /tmp/hello.bin . && /tmp/hello.bin 2>&1`
	want := "ok\n0\n" + strings.TrimSpace(string(hostVersion)) + "\n/usr/local/go\nlocal\n0\nbuilt offline\n"
	start = time.Now()
	if got := run(t, cli, ref, "sh", "-c", script); got != want {
		t.Errorf("container output:\n%s\nwant:\n%s", got, want)
	}
	t.Logf("built a program in the container in %s", time.Since(start).Round(time.Millisecond))
}

func TestIntegrationGoToolchainMissingBase(t *testing.T) {
	t.Parallel()
	cli := testenv.Docker(t)
	ref := testImage(t, cli, "go")
	err := baseimage.GoToolchain(t.Context(), cli, ref, "xp-test/"+testenv.UniqueName(t, "absent")+":1")
	if err == nil || !strings.Contains(err.Error(), "inspecting base image") {
		t.Fatalf("GoToolchain on a missing base: %v, want an error about the base image", err)
	}
}

// testImage returns a unique image name that is removed when the test ends.
func testImage(t *testing.T, cli *client.Client, prefix string) string {
	ref := "xp-test/" + testenv.UniqueName(t, prefix) + ":test"
	t.Cleanup(func() {
		_, err := cli.ImageRemove(context.Background(), ref, image.RemoveOptions{Force: true, PruneChildren: true})
		if err != nil && !strings.Contains(err.Error(), "No such image") {
			t.Errorf("removing %s: %v", ref, err)
		}
	})
	return ref
}

func imageID(t *testing.T, cli *client.Client, ref string) string {
	t.Helper()
	img, err := cli.ImageInspect(t.Context(), ref)
	if err != nil {
		t.Fatalf("inspecting %s: %v", ref, err)
	}
	return img.ID
}

// run runs cmd in a new container of ref and returns its standard output, failing the test
// if it exits with another status than 0.
func run(t *testing.T, cli *client.Client, ref string, cmd ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	created, err := cli.ContainerCreate(ctx, &container.Config{Image: ref, Cmd: cmd}, &container.HostConfig{NetworkMode: "none"}, nil, nil, "")
	if err != nil {
		t.Fatalf("creating a container of %s: %v", ref, err)
	}
	defer cli.ContainerRemove(context.Background(), created.ID, container.RemoveOptions{Force: true})
	waitC, errC := cli.ContainerWait(ctx, created.ID, container.WaitConditionNextExit)
	if err := cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatalf("starting %v in %s: %v", cmd, ref, err)
	}
	var status int64
	select {
	case w := <-waitC:
		status = w.StatusCode
	case err := <-errC:
		t.Fatalf("waiting for %v in %s: %v", cmd, ref, err)
	}
	logs, err := cli.ContainerLogs(ctx, created.ID, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatalf("reading logs: %v", err)
	}
	defer logs.Close()
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&stdout, &stderr, logs); err != nil {
		t.Fatalf("reading logs: %v", err)
	}
	if status != 0 {
		t.Fatalf("%v in %s exited with %d\nstdout:\n%s\nstderr:\n%s", cmd, ref, status, stdout.String(), stderr.String())
	}
	return stdout.String()
}
