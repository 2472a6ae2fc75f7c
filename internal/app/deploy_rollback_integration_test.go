package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

func TestIntegrationDeployCrashLoopRollsBack(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend", "zfrontend", "zworker")
	c.checkout()
	c.pushAll()
	c.deploy(ExitOK)
	goodImages := map[string]string{}
	for _, s := range c.services {
		goodImages[s], _ = c.image(s)
	}

	// A new zbackend whose pods crash, together with a new zfrontend that is fine.
	for _, s := range []string{"zbackend", "zfrontend"} {
		c.push(s, c.remotes[s].Commit(t, "master", map[string]string{"v2": "2"}, "v2"))
	}
	c.overlay(crashing("zbackend"))
	code, out, stderr := c.run(t.Context(), "json", "deploy", "--env", "staging", "--sync", "--timeout", "90s", "--kubeconfig", c.env.Kubeconfig)
	var r report.DeployReport
	if err := json.Unmarshal([]byte(out), &r); code != ExitFailed || err != nil {
		t.Fatalf("deploy of a crashing service: exit %d %v\n%s\n%s", code, err, out, stderr)
	}
	t.Logf("stderr:\n%s", stderr)
	if r.OK || r.Revision != 2 || r.RolledBackTo != 1 || r.RollbackRevision != 3 {
		t.Errorf("report: ok %v revision %d rolledBackTo %d rollbackRevision %d", r.OK, r.Revision, r.RolledBackTo, r.RollbackRevision)
	}
	failed := false
	for _, o := range r.Objects {
		if o.Name == "zbackend" && o.Kind == "Deployment" && o.Rollout == "failed" && o.Cause == "CrashLoopBackOff" {
			failed = true
		}
	}
	if !failed {
		t.Errorf("no object reports zbackend failing with CrashLoopBackOff: %+v", r.Objects)
	}
	for _, want := range []string{"CrashLoopBackOff", "rolled back to revision 1", "last lines of pod/zbackend-", "log | " + testenv.FakeLogLines[1]} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q", want)
		}
	}
	for _, s := range r.Services {
		if s.Action != report.ActionRolledBack {
			t.Errorf("service %s: %s, want rolled-back", s.Name, s.Action)
		}
	}
	for _, s := range c.services {
		img, labels := c.image(s)
		if img != goodImages[s] || labels["x-platform.test/waiting-reason"] != "" {
			t.Errorf("after the rollback %s runs %s (labels %v), want %s", s, img, labels, goodImages[s])
		}
	}

	// --no-rollback leaves the broken release in place.
	r = c.deploy(ExitFailed, "--no-rollback")
	if r.Revision != 4 || r.RollbackRevision != 0 {
		t.Errorf("--no-rollback: revision %d rollback revision %d", r.Revision, r.RollbackRevision)
	}
	if img, labels := c.image("zbackend"); img == goodImages["zbackend"] || labels["x-platform.test/waiting-reason"] == "" {
		t.Errorf("--no-rollback: zbackend runs %s with labels %v, want the broken release", img, labels)
	}

	// rollback restores what was deployed; --to goes further back.
	code, out, stderr = c.run(t.Context(), "json", "rollback", "--env", "staging", "--kubeconfig", c.env.Kubeconfig, "--timeout", "90s")
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil || r.Revision != 5 {
		t.Fatalf("rollback: exit %d %v revision %d\n%s\n%s", code, err, r.Revision, out, stderr)
	}
	if img, labels := c.image("zbackend"); img != goodImages["zbackend"] || labels["x-platform.test/waiting-reason"] != "" {
		t.Errorf("after rollback zbackend runs %s (labels %v)", img, labels)
	}
	code, _, stderr = c.run(t.Context(), "json", "rollback", "--env", "staging", "--kubeconfig", c.env.Kubeconfig, "--to", "9")
	if code != ExitUsage || !strings.Contains(stderr, "no revision 9") {
		t.Errorf("rollback --to 9: exit %d\n%s", code, stderr)
	}

	code, out, _ = c.run(t.Context(), "json", "history", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	var h report.HistoryReport
	if err := json.Unmarshal([]byte(out), &h); code != 0 || err != nil {
		t.Fatalf("history: exit %d %v", code, err)
	}
	var got []string
	for _, rev := range h.Revisions {
		got = append(got, fmt.Sprintf("%d %s", rev.Revision, rev.Status))
	}
	want := []string{"1 superseded", "2 failed", "3 superseded", "4 failed", "5 deployed"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("history %v, want %v", got, want)
	}
}
