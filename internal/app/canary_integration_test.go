package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/report"
)

// withEnv rewrites service a's Deployment with replicas and an env var,
// which changes its pod template.
func (c *cluster) withEnv(replicas, value string) {
	c.write("k8s/base/a/deployment.yaml", `apiVersion: apps/v1
kind: Deployment
metadata: {name: a}
spec:
  replicas: `+replicas+`
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      containers:
      - name: a
        image: a
        env: [{name: RELEASE, value: "`+value+`"}]
`)
}

// TestIntegrationCanaryCommands: deploy stops a manual canary at its
// first step (exit 0, the report saying so); another deploy is refused
// while it runs (exit 1); canary promote finishes it; a canary over a
// Deployment of one replica is refused before anything is applied (exit
// 2, naming the file and object); canary abort without a canary is exit 2.
func TestIntegrationCanaryCommands(t *testing.T) {
	c := newCluster(t, "a")
	c.checkout()
	c.pushAll()
	c.deploy(ExitOK)
	path := filepath.Join(c.root, "x-platform.yml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	staging := "staging: {namespace: " + c.ns + "}"
	c.write("x-platform.yml", strings.Replace(string(b), staging, "staging: {namespace: "+c.ns+", canary: {steps: [50], pause: manual}}", 1))

	c.withEnv("2", "two")
	r := c.deploy(ExitOK)
	if r.Canary == nil || r.Canary.Step != 50 || r.Canary.Status != "in-progress" || r.Canary.Split != "replicas" {
		t.Fatalf("deploy with a canary: %+v", r.Canary)
	}
	if _, err := c.cs.AppsV1().Deployments(c.ns).Get(t.Context(), "a-canary", metav1.GetOptions{}); err != nil {
		t.Errorf("canary deployment: %v", err)
	}
	code, _, stderr := c.run(t.Context(), "text", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitFailed || !strings.Contains(stderr, "x-platform canary promote --env staging") {
		t.Errorf("deploy during the canary: exit %d, stderr %s", code, stderr)
	}
	code, out, stderr := c.run(t.Context(), "text", "status", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if !strings.Contains(out, "canary rev 2 at 50%") {
		t.Errorf("status during the canary: exit %d\n%s\n%s", code, out, stderr)
	}

	code, out, stderr = c.run(t.Context(), "json", "canary", "promote", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	var rep report.DeployReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitOK || rep.Canary == nil || rep.Canary.Status != "promoted" || rep.Revision != 2 {
		t.Fatalf("canary promote: exit %d, %+v %v\n%s\n%s", code, rep.Canary, err, out, stderr)
	}
	if _, err := c.cs.AppsV1().Deployments(c.ns).Get(t.Context(), "a-canary", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("canary deployment after promote: %v, want it gone", err)
	}

	c.withEnv("1", "three")
	code, _, stderr = c.run(t.Context(), "text", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if want := filepath.Join("k8s", "base", "a", "deployment.yaml") + ": deployment/a: it has 1 replica(s)"; code != ExitUsage || !strings.Contains(stderr, want) {
		t.Errorf("deploy of a canary that cannot split: exit %d, stderr %s; want exit 2 naming %q", code, stderr, want)
	}
	code, _, stderr = c.run(t.Context(), "text", "canary", "abort", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitUsage || !strings.Contains(stderr, "no canary runs in staging") {
		t.Errorf("canary abort without a canary: exit %d, stderr %s", code, stderr)
	}
}
