package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/report"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// statusOf runs status with args and checks the exit code and that stdout
// is one JSON document.
func (c *cluster) statusOf(want int, args ...string) report.Status {
	c.t.Helper()
	code, out, stderr := c.run(c.t.Context(), "json", append([]string{"status"}, args...)...)
	if code != want {
		c.t.Fatalf("status %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, want, out, stderr)
	}
	var r report.Status
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Command != "status" {
		c.t.Fatalf("status %v: stdout is not a status report: %v\n%s\nstderr:\n%s", args, err, out, stderr)
	}
	return r
}

func serviceOf(t *testing.T, r report.Status, env, name string) report.StatusService {
	t.Helper()
	for _, e := range r.Environments {
		for _, s := range e.Services {
			if e.Name == env && s.Name == name {
				return s
			}
		}
	}
	t.Fatalf("no %s/%s in the status report: %+v", env, name, r)
	return report.StatusService{}
}

// TestIntegrationStatusCommand deploys to staging and prod, then changes
// staging's replica count with client-go: status shows both environments
// side by side, the change as drift in staging only, and exits 1 with
// --fail-on drift; a newer pushed commit is behind once --fetch fetched
// it; an unreachable cluster is exit 1 with every
// environment reported unreachable.
func TestIntegrationStatusCommand(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend", "zfrontend")
	prodNS := c.env.Namespace(t)
	manifestPath := filepath.Join(c.root, "x-platform.yml")
	text, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	c.write("x-platform.yml", string(text)+"  prod: {namespace: "+prodNS+"}\n")
	c.write("k8s/overlays/prod/kustomization.yaml", "resources: [../../base/zbackend, ../../base/zfrontend]\n")
	c.checkout()
	c.pushAll()
	c.deploy(ExitOK)
	if code, out, stderr := c.run(t.Context(), "json", "deploy", "--env", "prod", "--timeout", "90s", "--kubeconfig", c.env.Kubeconfig); code != ExitOK {
		t.Fatalf("deploy --env prod: exit %d\n%s%s", code, out, stderr)
	}

	kube := []string{"--kubeconfig", c.env.Kubeconfig, "--env", "staging", "--env", "prod"}
	r := c.statusOf(ExitOK, append(kube, "--fail-on", "drift", "--fail-on", "missing")...)
	if !r.OK || len(r.Environments) != 2 || r.Environments[0].Name != "staging" || r.Environments[1].Name != "prod" {
		t.Fatalf("status after deploying: %+v", r)
	}
	for _, e := range r.Environments {
		if !e.Reachable || e.Revision != 1 || e.Time == nil || len(e.Drifted) != 0 {
			t.Errorf("%s after deploying: %+v", e.Name, e)
		}
		for _, s := range e.Services {
			want := c.digests[c.registry+"/"+s.Name+":"+s.Commit]
			if len(s.Flags) != 0 || s.Running != want || s.Pinned != want || s.Reference != "origin/master" {
				t.Errorf("%s/%s after deploying: %+v, want running and pinned %s", e.Name, s.Name, s, want)
			}
		}
	}

	patch := []byte(`{"spec":{"replicas":4}}`)
	if _, err := c.cs.AppsV1().Deployments(c.ns).Patch(t.Context(), "zbackend", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	r = c.statusOf(ExitFailed, append(kube, "--fail-on", "drift")...)
	if s := serviceOf(t, r, "staging", "zbackend"); r.OK || !slices.Equal(s.Flags, []string{"drift"}) {
		t.Errorf("staging/zbackend with 4 replicas: ok %v, %+v, want drift", r.OK, s)
	}
	if s := serviceOf(t, r, "prod", "zbackend"); len(s.Flags) != 0 {
		t.Errorf("prod/zbackend untouched: %+v, want no flags", s)
	}
	if d := r.Environments[0].Drifted; len(d) != 1 || !strings.Contains(d[0].Object, "zbackend") || !slices.Equal(d[0].Fields, []string{".spec.replicas"}) {
		t.Errorf("staging drifted: %+v, want zbackend's .spec.replicas", d)
	}
	r = c.statusOf(ExitFailed, append(kube, "--dry-run", "--fail-on", "drift")...)
	if s := serviceOf(t, r, "staging", "zbackend"); !slices.Equal(s.Flags, []string{"drift"}) || len(r.Environments[1].Drifted) != 0 {
		t.Errorf("status --dry-run with 4 replicas in staging: %+v, prod drifted %+v", s, r.Environments[1].Drifted)
	}
	// Drift alone is no failure unless asked for.
	c.statusOf(ExitOK, append(kube, "--fail-on", "behind")...)

	code, out, stderr := c.run(t.Context(), "text", "status", "--kubeconfig", c.env.Kubeconfig, "--env", "staging", "--env", "prod")
	if code != ExitOK || !strings.Contains(out, "STAGING") || !strings.Contains(out, "PROD") || !strings.Contains(out, "drift") {
		t.Errorf("status as a table: exit %d\n%s%s", code, out, stderr)
	}

	// A newer commit with its image: behind once fetched, not before.
	head := c.remotes["zfrontend"].Commit(t, "master", map[string]string{"main.go": "package main\n"}, "newer")
	newer := c.push("zfrontend", head)
	if s := serviceOf(t, c.statusOf(ExitOK, kube...), "prod", "zfrontend"); len(s.Flags) != 0 {
		t.Errorf("prod/zfrontend before fetching: %+v, want no flags", s)
	}
	r = c.statusOf(ExitFailed, append(kube, "--fetch", "--fail-on", "behind")...)
	for _, env := range []string{"staging", "prod"} {
		if s := serviceOf(t, r, env, "zfrontend"); !slices.Equal(s.Flags, []string{"behind"}) || s.Pinned != newer || s.PinnedCommit != head {
			t.Errorf("%s/zfrontend after fetching: %+v, want behind pinned %s", env, s, newer)
		}
	}

	r = c.statusOf(ExitFailed, "--kubeconfig", c.closedKubeconfig(t), "--env", "staging", "--env", "prod")
	for _, e := range r.Environments {
		if e.Reachable || e.Error == "" {
			t.Errorf("%s through a closed port: %+v, want unreachable with the error", e.Name, e)
		}
	}

	// One environment reachable, the other not: the first is reported in
	// full, the second as unreachable, and the exit code says one failed.
	c.write("x-platform.yml", string(text)+"  prod: {namespace: "+prodNS+", context: gone}\n")
	mixed := c.kubeconfigWithClosedContext(t, "gone")
	r = c.statusOf(ExitFailed, "--kubeconfig", mixed, "--env", "staging", "--env", "prod")
	if len(r.Environments) != 2 || r.OK {
		t.Fatalf("status with prod unreachable: %+v", r)
	}
	if e := r.Environments[0]; !e.Reachable || e.Name != "staging" || e.Revision != 1 || len(e.Services) != 2 {
		t.Errorf("staging beside an unreachable prod: %+v, want it read in full", e)
	}
	if s := serviceOf(t, r, "staging", "zbackend"); !slices.Equal(s.Flags, []string{"drift"}) || s.Running == "" {
		t.Errorf("staging/zbackend beside an unreachable prod: %+v, want drift and its running digest", s)
	}
	if e := r.Environments[1]; e.Reachable || e.Name != "prod" || e.Error == "" || len(e.Services) != 0 {
		t.Errorf("prod through a closed port: %+v, want unreachable with the error", e)
	}
	code, out, stderr = c.run(t.Context(), "text", "status", "--kubeconfig", mixed, "--env", "staging", "--env", "prod")
	if code != ExitFailed || !strings.Contains(out, "STAGING") || !strings.Contains(out, "unreachable") || !strings.Contains(out, "drift") {
		t.Errorf("status as a table with prod unreachable: exit %d\n%s%s", code, out, stderr)
	}

	if code, _, stderr := c.run(t.Context(), "json", "status", "--fail-on", "late"); code != ExitUsage {
		t.Errorf("status --fail-on late: exit %d, want %d\n%s", code, ExitUsage, stderr)
	}
}
