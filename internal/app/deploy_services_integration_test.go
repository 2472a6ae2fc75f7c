package app

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/report"
)

// TestIntegrationRenderAndDiffServices: render and diff --services show
// what deploy --services would run: the services named at their new
// versions, the others at the versions the current release runs.
func TestIntegrationRenderAndDiffServices(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend", "zfrontend")
	c.checkout()
	c.pushAll()
	c.deploy(ExitOK)
	oldFront, _ := c.image("zfrontend")
	digests := map[string]string{}
	for _, s := range []string{"zbackend", "zfrontend"} {
		digests[s] = c.push(s, c.remotes[s].Commit(t, "master", map[string]string{"v2": "2"}, "v2"))
	}
	c.checkout()
	before := c.snapshot()

	code, out, stderr := c.run(t.Context(), "text", "render", "--env", "staging", "--services", "zbackend", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitOK || !strings.Contains(out, "zbackend@"+digests["zbackend"]) || !strings.Contains(out, oldFront) || strings.Contains(out, digests["zfrontend"]) {
		t.Fatalf("render --services zbackend: exit %d, want zbackend@%s and %s\n%s\n%s", code, digests["zbackend"], oldFront, out, stderr)
	}
	diff := func(args ...string) []report.Change {
		t.Helper()
		code, out, stderr := c.run(t.Context(), "json", append([]string{"diff", "--env", "staging", "--kubeconfig", c.env.Kubeconfig}, args...)...)
		var d report.DiffReport
		if err := json.Unmarshal([]byte(out), &d); code != ExitFailed || err != nil {
			t.Fatalf("diff %q: exit %d %v\n%s%s", args, code, err, out, stderr)
		}
		return d.Changes
	}
	if ch := diff("--services", "zbackend"); len(ch) != 1 || ch[0].Name != "zbackend" || !strings.Contains(ch[0].Diff, "zbackend@"+digests["zbackend"]) {
		t.Errorf("diff --services zbackend: %+v", ch)
	}
	if ch := diff(); len(ch) != 2 {
		t.Errorf("diff of every service: %d changes, want 2: %+v", len(ch), ch)
	}
	c.sameSnapshot("render and diff --services", before)
}
