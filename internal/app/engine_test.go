package app

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/docker"
	"github.com/x-platform/x-platform/internal/ui"
)

// probedEngine is an engine that does or does not see the platform folder.
type probedEngine struct {
	sees       bool
	ran, built int
}

func (e *probedEngine) SeesFolder(context.Context, string) (bool, error) { return e.sees, nil }
func (e *probedEngine) Run(context.Context, docker.RunSpec) error        { e.ran++; return nil }
func (e *probedEngine) Build(context.Context, docker.BuildSpec) (string, error) {
	e.built++
	return "sha256:1", nil
}

func TestGuardEngine(t *testing.T) {
	const where = "tcp://docker:2375 (DOCKER_HOST)"
	for _, sees := range []bool{true, false} {
		var stderr bytes.Buffer
		eng := &probedEngine{sees: sees}
		b, err := guardEngine(context.Background(), eng, where, "/builds/x/platform", ui.NewProgress(&stderr, ui.Normal))
		if err != nil {
			t.Fatal(err)
		}
		runErr := b.Run(context.Background(), docker.RunSpec{})
		if _, err := b.Build(context.Background(), docker.BuildSpec{}); err != nil || eng.built != 1 {
			t.Fatalf("sees=%v: image builds upload their context and must pass: %v, %d builds", sees, err, eng.built)
		}
		if sees {
			if runErr != nil || eng.ran != 1 || stderr.Len() != 0 {
				t.Fatalf("an engine that sees the folder: run err %v, ran %d, stderr %q", runErr, eng.ran, stderr.String())
			}
			continue
		}
		var re *remoteEngineError
		if !errors.As(runErr, &re) || eng.ran != 0 || !b.(*remoteGuard).refused.Load() {
			t.Fatalf("an engine that does not see the folder ran a container: err %v, ran %d", runErr, eng.ran)
		}
		// Said once up front, naming the engine, the folder and the ways out.
		for _, want := range []string{"warning:", where, "/builds/x/platform", "an engine on this machine", "docker:dind"} {
			if !strings.Contains(stderr.String(), want) || !strings.Contains(runErr.Error(), strings.TrimPrefix(want, "warning:")) {
				t.Fatalf("message lacks %q:\nstderr %s\nerror %v", want, stderr.String(), runErr)
			}
		}
	}
}
