package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationWrapper builds the orchestrator image with `make image` and
// drives a build through bin/x-platform, as a laptop or CI agent would: the
// platform folder is mounted at the same path, stdout carries only the
// report, and exit codes pass through.
func TestIntegrationWrapper(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: building the orchestrator image takes minutes")
	}
	img := orchestratorImage(t)
	p := newPlatform(t, "svc")
	// Only the platform folder is mounted into the orchestrator's container,
	// so the remote is reached the way real ones are: over the network.
	p.urls["svc"] = p.remotes["svc"].ServeHTTP(t)
	p.writeManifest(nil)
	w := installWrapper(t, p.root, img)
	var extraEnv []string
	xp := func(wantCode int, args ...string) report.Report {
		t.Helper()
		r, _ := w.runJSON(t, wantCode, extraEnv, args...)
		return r
	}

	r := xp(ExitOK, "build")
	if len(r.Services) != 1 || r.Services[0].Action != report.ActionBuilt {
		t.Fatalf("build through the wrapper = %+v", r.Services)
	}
	// The scripts ran on the commit's tree in BuildKit, never in the
	// checkout; their result is in the image.
	if _, err := os.Stat(filepath.Join(p.root, "src/svc/out.txt")); !os.IsNotExist(err) {
		t.Fatalf("a build script wrote into the host checkout: %v", err)
	}
	if got := p.fileInImage(p.ref("svc", r.Services[0].Commit), "/out.txt"); !strings.HasPrefix(got, "built-") {
		t.Fatalf("out.txt in the image = %q", got)
	}
	if r := xp(ExitOK, "build"); r.Services[0].Action != report.ActionPresent {
		t.Fatalf("second build = %+v", r.Services)
	}
	// The same engine over tcp, as a CI job reaches docker:dind: the wrapper
	// checks that the engine sees the folder and mounts the engine's own socket.
	extraEnv = []string{"DOCKER_HOST=" + testenv.EngineOverTCP(t, nil)}
	if r := xp(ExitOK, "build"); r.Services[0].Action != report.ActionPresent {
		t.Fatalf("build through a tcp engine = %+v", r.Services)
	}
	extraEnv = nil
	p.writeManifest(func(_ string, svc map[string]string) { svc["reference"] = "no-such-branch" })
	if r := xp(ExitFailed, "build"); r.OK || !strings.Contains(r.Services[0].Error, "no-such-branch") {
		t.Fatalf("unknown reference = %+v", r.Services)
	}
}

func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-30):], "\n")
}
