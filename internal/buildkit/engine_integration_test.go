package buildkit_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/client"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/testenv"
)

func engineDaemon(t *testing.T) (*buildkit.Daemon, *client.Client) {
	cli := testenv.Docker(t)
	return &buildkit.Daemon{Endpoint: buildkit.Endpoint{Address: buildkit.DockerAddress}, Engine: cli}, cli
}

func TestIntegrationEngineBuild(t *testing.T) {
	d, cli := engineDaemon(t)
	base := testenv.BaseImage(t)
	ref := testenv.UniqueName(t, "xp-test/bk") + ":1"
	t.Cleanup(func() { _, _ = cli.ImageRemove(context.Background(), ref, imageRemoveOptions()) })
	var log bytes.Buffer
	// A greeting of its own keeps BuildKit's cache from answering for the lines.
	greeting := testenv.UniqueName(t, "hello")
	spec := &buildkit.Spec{
		Name: "svc",
		Source: tree(t, map[string]string{
			"app/main.txt": "source",
			// A syntax line names a frontend image no registry here holds:
			// the Dockerfile is built in process all the same.
			"app/Dockerfile": "# syntax=docker/dockerfile:1.7\nARG BASE\nFROM ${BASE} AS first\nRUN echo one > /one\n" +
				"FROM ${BASE}\nCOPY --from=first /one /one\nCOPY --chmod=0755 out.txt /out.txt\nRUN <<EOF\nset -e\ncat /out.txt > /copy.txt\nEOF\n",
		}),
		Builder: base, Mount: "/work", Dir: "app", UID: 1000, GID: 1000,
		Env:        map[string]string{"GREETING": greeting},
		Lines:      []string{`echo "$GREETING $(id -u) $HOME" > out.txt`, "cat out.txt"},
		Build:      1,
		Secrets:    map[string][]byte{"token": []byte("s3cr3t-value")},
		Dockerfile: "app/Dockerfile", Context: "app",
		BuildArgs: map[string]string{"BASE": base},
		Labels:    map[string]string{"io.x-platform.test": "yes"},
		Names:     []string{ref},
		Log:       &log,
	}
	spec.Lines = append(spec.Lines, "cat /run/secrets/token")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	if _, err := d.Build(ctx, spec); err != nil {
		t.Fatalf("build: %v\n%s", err, log.String())
	}
	if strings.Contains(log.String(), "s3cr3t-value") {
		t.Errorf("the secret's value reached the log:\n%s", log.String())
	}
	if !strings.Contains(log.String(), greeting+" 1000 /home/x-platform") {
		t.Errorf("log lacks the script's output:\n%s", log.String())
	}
	insp, _, err := cli.ImageInspectWithRaw(ctx, ref)
	if err != nil {
		t.Fatalf("the image is not in the engine: %v", err)
	}
	if insp.Config.Labels["io.x-platform.test"] != "yes" {
		t.Errorf("labels = %v", insp.Config.Labels)
	}
}

func TestIntegrationEngineBuildNamesFailingLine(t *testing.T) {
	d, _ := engineDaemon(t)
	base := testenv.BaseImage(t)
	spec := &buildkit.Spec{
		Name:    "svc",
		Source:  tree(t, map[string]string{"Dockerfile": "FROM scratch\n"}),
		Builder: base, Mount: "/work", UID: 0, GID: 0,
		Lines:      []string{"true", "echo ok", "exit 3"},
		Build:      1,
		Dockerfile: "Dockerfile",
		Names:      []string{"xp-test/never:1"},
	}
	_, err := d.Build(t.Context(), spec)
	var se *buildkit.StepError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a StepError", err)
	}
	if se.ExitCode != 3 || se.Line != 3 || !strings.Contains(se.Step, "test 2/2: exit 3") {
		t.Errorf("step %q code %d, want test 2/2 with code 3 (%v)", se.Step, se.ExitCode, se.Err)
	}
}

// TestIntegrationEngineBuildTakesTheBuilderEnvironment: the lines see the
// builder image's own ENV (PATH, GOCACHE…), under the manifest's env.
func TestIntegrationEngineBuildTakesTheBuilderEnvironment(t *testing.T) {
	d, cli := engineDaemon(t)
	base := testenv.BaseImage(t)
	builder := testenv.UniqueName(t, "xp-test/builder") + ":1"
	t.Cleanup(func() { _, _ = cli.ImageRemove(context.Background(), builder, imageRemoveOptions()) })
	mk := &buildkit.Spec{
		Name:       "builder",
		Source:     tree(t, map[string]string{"Dockerfile": "ARG BASE\nFROM ${BASE}\nENV FROM_IMAGE=image-env PATH=/opt/tools:/bin:/usr/bin\n"}),
		Dockerfile: "Dockerfile", Context: ".",
		BuildArgs: map[string]string{"BASE": base},
		Names:     []string{builder},
	}
	if _, err := d.Build(t.Context(), mk); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	nonce := testenv.UniqueName(t, "n")
	spec := &buildkit.Spec{
		Name:    "svc",
		Source:  tree(t, map[string]string{"Dockerfile": "FROM scratch\nCOPY env.txt /env.txt\n"}),
		Builder: builder, Mount: "/work",
		Env:   map[string]string{"NONCE": nonce},
		Lines: []string{`echo "$FROM_IMAGE $PATH $NONCE" > env.txt`, "cat env.txt"},
		Build: 1, Dockerfile: "Dockerfile", Context: ".",
		Names: []string{testenv.UniqueName(t, "xp-test/envsvc") + ":1"},
		Log:   &log,
	}
	t.Cleanup(func() { _, _ = cli.ImageRemove(context.Background(), spec.Names[0], imageRemoveOptions()) })
	if _, err := d.Build(t.Context(), spec); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if want := "image-env /opt/tools:/bin:/usr/bin " + nonce; !strings.Contains(log.String(), want) {
		t.Fatalf("the lines did not see the image's environment %q:\n%s", want, log.String())
	}
}
