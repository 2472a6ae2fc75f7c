package app

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationBuildOnTCPEngine builds through an engine reached over
// tcp, as GitLab's docker:dind service is: the sources go to the engine's
// BuildKit, so nothing depends on what folders the engine sees.
func TestIntegrationBuildOnTCPEngine(t *testing.T) {
	p := newPlatform(t, "svc")
	t.Setenv("DOCKER_HOST", testenv.EngineOverTCP(t, nil))
	code, r, stderr := p.run(t.Context(), "build")
	if code != ExitOK || len(r.Services) != 1 || r.Services[0].Action != report.ActionBuilt {
		t.Fatalf("build over tcp: exit %d, %+v\n%s", code, r.Services, stderr)
	}
	code, r, stderr = p.run(t.Context(), "build")
	if code != ExitOK || r.Services[0].Action != report.ActionPresent {
		t.Fatalf("second build over tcp: exit %d, %+v\n%s", code, r.Services, stderr)
	}
}

// inPrivateMounts marks the re-run of a test inside its own mount namespace.
const inPrivateMounts = "X_PLATFORM_TEST_PRIVATE_MOUNTS"

// TestIntegrationBuildOnFarEngine builds through an engine that does not
// see the platform folder, as one on another host does not: the folder is a
// tmpfs mounted only in this test's mount namespace, so the engine finds an
// empty folder at that path. The build works all the same, and the image
// holds what the scripts made from the commit's tree.
func TestIntegrationBuildOnFarEngine(t *testing.T) {
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
	t.Setenv("DOCKER_HOST", testenv.EngineOverTCP(t, nil))

	code, r, stderr := p.run(t.Context(), "build")
	if code != ExitOK || len(r.Services) != 1 || r.Services[0].Action != report.ActionBuilt {
		t.Fatalf("build on an engine that does not see the folder: exit %d, %+v\n%s", code, r.Services, stderr)
	}
	if got := strings.TrimSpace(p.fileInImage(p.ref("svc", r.Services[0].Commit), "/out.txt")); got != "built-"+r.Services[0].Commit {
		t.Fatalf("out.txt in the image = %q", got)
	}
}
