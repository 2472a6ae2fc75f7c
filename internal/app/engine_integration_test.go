package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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

// inPrivateMounts marks the re-run of a test inside its own mount namespace.
const inPrivateMounts = "X_PLATFORM_TEST_PRIVATE_MOUNTS"

// TestIntegrationBuildRefusedOnFarEngine builds through an engine that does
// not see the platform folder, as one on another host does not: the folder
// is a tmpfs mounted only in this test's mount namespace, so the engine finds
// an empty folder at that path. Build says so before it starts and refuses
// the service that needs a builder container, with exit code 2.
func TestIntegrationBuildRefusedOnFarEngine(t *testing.T) {
	if os.Getenv(inPrivateMounts) == "" {
		testenv.Docker(t)
		cmd := exec.Command("unshare", "--mount", "--propagation", "private",
			os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), inPrivateMounts+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
			t.Fatalf("in a private mount namespace: %v\n%s", err, out)
		}
		return
	}
	p := newPlatform(t, "svc")
	if err := syscall.Mount("tmpfs", p.root, "tmpfs", 0, "size=64m"); err != nil {
		t.Fatalf("mounting a private tmpfs on %s: %v", p.root, err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(p.root, syscall.MNT_DETACH) })
	p.writeManifest(nil)
	where := testenv.EngineOverTCP(t, nil)
	t.Setenv("DOCKER_HOST", where)

	code, r, stderr := p.run(t.Context(), "build")
	if code != ExitUsage || len(r.Services) != 1 || r.Services[0].Action != ui.ActionFailed {
		t.Fatalf("build on an engine that does not see the folder: exit %d, %+v\n%s", code, r.Services, stderr)
	}
	warning := strings.Index(stderr, "warning: the Docker engine at "+where+" (DOCKER_HOST) does not see "+p.root)
	if warning < 0 || warning > strings.Index(stderr, "svc |") || !strings.Contains(r.Services[0].Error, "docker:dind") ||
		!strings.Contains(stderr, "x-platform: the Docker engine at "+where) {
		t.Fatalf("the refusal is not said first, naming the engine and the way out:\n%s\nerror: %s", stderr, r.Services[0].Error)
	}
	if _, err := os.Stat(filepath.Join(p.root, "src/svc/out.txt")); err == nil {
		t.Fatal("the build script ran")
	}
}
