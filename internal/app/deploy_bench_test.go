package app

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/x-platform/x-platform/internal/ui"
)

// BenchmarkDeployNoop30 redeploys 30 unchanged services (a Deployment of 2
// replicas and a Service each) through the whole command: manifest, 30
// commits resolved in their checkouts, 30 digests asked of the registry,
// the render, a server-side dry run, the apply, the tracking and the
// release check.
func BenchmarkDeployNoop30(b *testing.B) {
	var names []string
	for i := range 30 {
		names = append(names, fmt.Sprintf("svc%02d", i))
	}
	c := newCluster(b, names...)
	c.checkout()
	c.pushAll()
	c.deploy(ExitOK)
	for b.Loop() {
		code, out, stderr := c.run(b.Context(), "json", "-q", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
		var r ui.DeployReport
		if err := json.Unmarshal([]byte(out), &r); code != ExitOK || err != nil || !r.Unchanged {
			b.Fatalf("no-op deploy: exit %d, unchanged %v, %v\n%s", code, r.Unchanged, err, stderr)
		}
	}
}
