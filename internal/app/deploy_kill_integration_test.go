package app

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/report"
)

// TestIntegrationDeployKilledThenDeployAgain: SIGKILL of the binary while
// it tracks a rollout. The next deploy is refused while the dead run's lock
// could still be live, naming it and when it frees; once the lock expired
// it is taken over, the deploy succeeds and frees it, and history tells the
// truth: the killed run's release is recorded as interrupted.
func TestIntegrationDeployKilledThenDeployAgain(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	c := newCluster(t, "zbackend")
	c.checkout()
	c.pushAll()
	c.deploy(ExitOK)

	c.push("zbackend", c.remotes["zbackend"].Commit(t, "master", map[string]string{"v2": "2"}, "v2"))
	c.overlay(strings.ReplaceAll(crashing("zbackend"), "CrashLoopBackOff", "ContainerCreating"))
	cmd := exec.Command(bin, "--file", filepath.Join(c.root, "x-platform.yml"), "deploy", "--env", "staging", "--sync", "--timeout", "5m", "--kubeconfig", c.env.Kubeconfig)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "KUBECONFIG=")
	stderr := &signalWriter{want: "deployment/zbackend |", reached: make(chan struct{})}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-stderr.reached:
	case err := <-exited:
		t.Fatalf("the deploy ended before it tracked: %v\n%s", err, stderr)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited

	c.overlay("")
	code, _, out := c.run(t.Context(), "text", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitFailed || !strings.Contains(out, "another deploy to staging is running (") || !strings.Contains(out, " run ") || !strings.Contains(out, "frees the lock 60s after that") {
		t.Fatalf("deploy right after the kill: exit %d\n%s", code, out)
	}

	if h := c.history(); h.Revisions[1].Status != "in-progress" {
		t.Errorf("history while the killed run's lock is live: revision 2 %+v, want in-progress", h.Revisions[1])
	}

	// A minute on, the dead run's lease has expired.
	leases := c.cs.CoordinationV1().Leases(c.ns)
	lease, err := leases.Get(t.Context(), "x-platform.lock.staging", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the killed run's lease: %v", err)
	}
	past := metav1.NewMicroTime(time.Now().Add(-61 * time.Second))
	lease.Spec.RenewTime = &past
	if _, err := leases.Update(t.Context(), lease, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if h := c.history(); h.Revisions[1].Status != "interrupted" || !strings.Contains(h.Revisions[1].Description, "no run holds the environment's lock") {
		t.Errorf("history once the killed run's lock expired: revision 2 %+v, want interrupted", h.Revisions[1])
	}
	if r := c.deploy(ExitOK); r.Revision != 3 {
		t.Fatalf("deploy after the lock expired: revision %d", r.Revision)
	}
	if _, err := leases.Get(t.Context(), "x-platform.lock.staging", metav1.GetOptions{}); err == nil {
		t.Error("the deploy left its lock behind")
	}
	h := c.history()
	var got []string
	for _, r := range h.Revisions {
		got = append(got, r.Status)
	}
	if strings.Join(got, " ") != "superseded interrupted deployed" {
		t.Fatalf("history after a killed deploy: %v", h.Revisions)
	}
	if d := h.Revisions[1].Description; !strings.Contains(d, "stopped before it finished") {
		t.Errorf("the killed run's release says %q", d)
	}
}

// history reads staging's history.
func (c *cluster) history() report.HistoryReport {
	c.t.Helper()
	var h report.HistoryReport
	code, out, stderr := c.run(c.t.Context(), "json", "history", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if err := json.Unmarshal([]byte(out), &h); code != ExitOK || err != nil {
		c.t.Fatalf("history: exit %d %v\n%s", code, err, stderr)
	}
	return h
}
