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

// BenchmarkDeployPhase30 is BenchmarkDeployNoop30 with one pre-deploy Job:
// each round changes only the Job's command, so the 60 objects stay as
// they are while the release is new and its migration runs (on the test
// cluster a Job's pod completes at once). What a round costs beyond the
// no-op deploy is the phase: creating the Job, waiting for it, deleting it,
// and the release record written.
func BenchmarkDeployPhase30(b *testing.B) {
	var names []string
	for i := range 30 {
		names = append(names, fmt.Sprintf("svc%02d", i))
	}
	c := newCluster(b, names...)
	c.overlay("- migrate.yaml\n")
	round := 0
	migrate := func() {
		round++
		c.write("k8s/overlays/staging/migrate.yaml", fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations: {x-platform.io/phase: pre-deploy}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: migrate, image: svc00, command: [/migrate, "%d"]}
`, round))
	}
	migrate()
	c.checkout()
	c.pushAll()
	c.deploy(ExitOK)
	for b.Loop() {
		b.StopTimer()
		migrate()
		b.StartTimer()
		code, out, stderr := c.run(b.Context(), "json", "-q", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
		var r ui.DeployReport
		if err := json.Unmarshal([]byte(out), &r); code != ExitOK || err != nil || r.Unchanged || len(r.Phases) != 1 || r.Phases[0].Status != "passed" {
			b.Fatalf("deploy with a migration: exit %d, %+v, %v\n%s", code, r.Phases, err, stderr)
		}
	}
}
