package app

import (
	"os"
	"slices"
	"strings"
	"testing"

	xpimage "github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/report"
)

// TestIntegrationWrapperTLSAndCredentialHelper builds through bin/x-platform
// and the orchestrator's image against TLS registries with a private CA:
// the builder's registry takes credentials from a credential helper that
// exists only on the host, the push registry from `docker login`. The
// helper's answer is handed to the container and removed after the run.
func TestIntegrationWrapperTLSAndCredentialHelper(t *testing.T) {
	img := orchestratorImage(t)
	s := newSecureSetup(t)
	p := s.p
	p.urls["svc"] = p.remotes["svc"].ServeHTTP(t)
	p.writeManifest(func(_ string, svc map[string]string) { svc["builder"] = s.builder })
	tmp := t.TempDir()
	w := installWrapper(t, p.root, img, "TMPDIR="+tmp)
	xp := func(wantCode int, args ...string) (report.Report, string) {
		t.Helper()
		r, printed := w.runJSON(t, wantCode, nil, args...)
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("the run left %v in TMPDIR", left)
		}
		assertNoSecret(t, printed, s.push, s.builders)
		return r, printed
	}

	r, _ := xp(ExitOK, "build")
	if len(r.Services) != 1 || r.Services[0].Action != report.ActionBuilt {
		t.Fatalf("build through the wrapper = %+v", r.Services)
	}
	if !slices.Contains(s.helperGets(), s.builders.Addr) {
		t.Errorf("the host's credential helper was not asked for %s (asked: %v)", s.builders.Addr, s.helperGets())
	}
	d, err := xpimage.NewRegistry().Digest(t.Context(), xpimage.Cut(r.Services[0].Image))
	if err != nil || d != r.Services[0].Digest {
		t.Fatalf("%s in the TLS registry = %q, %v; want %s", r.Services[0].Image, d, err, r.Services[0].Digest)
	}

	// Without the local image the run has to ask the registry.
	p.removeImages()
	wrong := "wrong-" + s.push.Password
	setAuth(t, s.push.Addr, s.push.User, wrong)
	r, all := xp(ExitFailed, "build")
	if r.OK || !strings.Contains(all, "unauthorized") || !strings.Contains(all, "docker login "+s.push.Addr) {
		t.Fatalf("build with a wrong password = %+v\n%s", r.Services, all)
	}
	if strings.Contains(all, wrong) {
		t.Errorf("output shows the wrong password:\n%s", all)
	}
}
