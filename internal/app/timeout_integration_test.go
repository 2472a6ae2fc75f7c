package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationBuildTimeout runs a script that hangs on the real BuildKit:
// the service's timeout: ends the build with a message naming it, exit 1,
// and the script's processes do not outlive the run.
func TestIntegrationBuildTimeout(t *testing.T) {
	p := newPlatform(t, "hung")
	marker := testenv.UniqueName(t, "xp-timeout")
	p.writeManifest(func(_ string, svc map[string]string) {
		svc["build"] = fmt.Sprintf(`["sleep 600; echo %s"]`, marker)
		svc["timeout"] = "5s"
	})
	start := time.Now()
	code, report, stderr := p.run(t.Context(), "build")
	took := time.Since(start)
	if code != ExitFailed || len(report.Services) != 1 || !strings.HasPrefix(report.Services[0].Error, "build timed out after 5s") ||
		!strings.Contains(stderr, "hung | FAILED build timed out after 5s") {
		t.Fatalf("exit %d, report %+v, stderr %q; want 1 and the timeout named", code, report, stderr)
	}
	if took > 2*time.Minute {
		t.Errorf("the run took %s with a 5s timeout", took)
	}
	waitFor(t, 30*time.Second, "the script's processes to end", func() bool { return !running(marker) })
}

// A timeout setting that is not a duration stops the run before anything
// moves, as a usage error.
func TestIntegrationNetworkTimeoutSettingsAreChecked(t *testing.T) {
	p := newPlatform(t, "svc")
	for _, env := range []string{"XP_NETWORK_TIMEOUT", "XP_TRANSFER_TIMEOUT"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(env, "soon")
			code, _, stderr := p.run(t.Context(), "build")
			if code != ExitUsage || !strings.Contains(stderr, env+` must be a positive duration such as 90s or 5m, not "soon"`) {
				t.Fatalf("exit %d, stderr %q; want 2 naming %s", code, stderr, env)
			}
		})
	}
}
