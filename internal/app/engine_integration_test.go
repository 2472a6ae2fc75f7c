package app

import (
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
	"github.com/x-platform/x-platform/internal/ui"
)

// TestIntegrationBuildOnTCPEngine builds through an engine reached over
// tcp, as GitLab's docker:dind service is: the engine is not on a unix
// socket, so build first checks that it sees the platform folder, which it
// does here as a dind service sees the job's /builds.
func TestIntegrationBuildOnTCPEngine(t *testing.T) {
	p := newPlatform(t, "svc")
	t.Setenv("DOCKER_HOST", testenv.EngineOverTCP(t, nil))
	code, r, stderr := p.run(t.Context(), "--verbose", "build")
	if code != ExitOK || len(r.Services) != 1 || r.Services[0].Action != ui.ActionBuilt {
		t.Fatalf("build over tcp: exit %d, %+v\n%s", code, r.Services, stderr)
	}
	if !strings.Contains(stderr, "sees "+p.root+" at the same path") {
		t.Fatalf("stderr does not say the engine was checked:\n%s", stderr)
	}
	// The image is there: reuse needs no folder and says nothing of one.
	code, r, stderr = p.run(t.Context(), "--verbose", "build")
	if code != ExitOK || r.Services[0].Action != ui.ActionPresent {
		t.Fatalf("second build over tcp: exit %d, %+v\n%s", code, r.Services, stderr)
	}
}
