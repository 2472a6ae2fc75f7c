package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationTestCommand: x-platform test reruns staging's
// post-deploy tests against the release it runs, prints a table or a
// JSON report, exits 1 when one fails (rolling nothing back) and 2 when
// there is nothing to test.
func TestIntegrationTestCommand(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "ztest")
	c.checkout()
	commit := c.remotes["ztest"].Head(t, "master")
	digest := c.push("ztest", commit)
	manifest, err := os.ReadFile(filepath.Join(c.root, "x-platform.yml"))
	if err != nil {
		t.Fatal(err)
	}
	c.write("x-platform.yml", strings.Replace(string(manifest), "staging: {namespace: "+c.ns+"}",
		"staging:\n    namespace: "+c.ns+"\n    tests:\n    - {name: smoke, kustomize: k8s/tests/smoke, timeout: 1m}\n", 1))
	smoke := func(podLabels string) {
		c.write("k8s/tests/smoke/kustomization.yaml", "resources: [job.yaml]\n")
		c.write("k8s/tests/smoke/job.yaml", `apiVersion: batch/v1
kind: Job
metadata: {name: smoke}
spec:
  template:
    metadata: {labels: `+podLabels+`}
    spec:
      restartPolicy: Never
      containers:
      - {name: smoke, image: ztest, command: [/smoke]}
`)
	}
	smoke("{}")
	test := func(format string, want int, args ...string) (string, string) {
		t.Helper()
		code, out, stderr := c.run(t.Context(), format, append([]string{"test", "--kubeconfig", c.env.Kubeconfig}, args...)...)
		if code != want {
			t.Fatalf("test %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, want, out, stderr)
		}
		return out, stderr
	}

	_, stderr := test("text", ExitUsage)
	if !strings.Contains(stderr, "test needs --env") {
		t.Errorf("test without --env: %s", stderr)
	}
	_, stderr = test("text", ExitUsage, "--env", "staging")
	if !strings.Contains(stderr, "nothing is deployed to staging") {
		t.Errorf("test before any deploy: %s", stderr)
	}

	deployed := filepath.Join(t.TempDir(), "deploy.xml")
	if r := c.deploy(ExitOK, "--junit", deployed); len(r.Tests) != 1 || r.Tests[0].Name != "smoke" || !r.Tests[0].Passed {
		t.Errorf("the deploy's report shows tests %+v, want smoke passed", r.Tests)
	}
	if doc := readJUnit(t, deployed); doc.Tests != 1 || doc.Failures != 0 || doc.Suites[0].Name != "staging" ||
		doc.Suites[0].Cases[0].Name != "smoke" || doc.Suites[0].Cases[0].Failure != nil {
		t.Errorf("the JUnit file of deploy --junit: %+v", doc)
	}
	smoke(`{x-platform.test/exit-code: "4"}`)
	failing := filepath.Join(t.TempDir(), "failing.xml")
	out, stderr := test("json", ExitFailed, "--env", "staging", "--junit", failing)
	var r report.TestRun
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, out)
	}
	if r.OK || r.Revision != 1 || len(r.Tests) != 1 || r.Tests[0].Passed || !strings.Contains(r.Tests[0].Message, "exit code 4") ||
		!strings.Contains(r.Error, "post-deploy test smoke failed") {
		t.Errorf("a failing rerun reported %+v", r)
	}
	if r.DurationMs <= 0 || r.Tests[0].DurationMs <= 0 || r.Tests[0].DurationMs > r.DurationMs {
		t.Errorf("durations: report %dms, smoke %dms", r.DurationMs, r.Tests[0].DurationMs)
	}
	if doc := readJUnit(t, failing); doc.Tests != 1 || doc.Failures != 1 || doc.Suites[0].Name != "staging" ||
		doc.Suites[0].Cases[0].Name != "smoke" || doc.Suites[0].Cases[0].Output != "job/"+r.Tests[0].Job ||
		doc.Suites[0].Cases[0].Failure == nil || !strings.Contains(doc.Suites[0].Cases[0].Failure.Message, "exit code 4") {
		t.Errorf("the JUnit file of a failing rerun: %+v", doc)
	}
	if !strings.Contains(stderr, "test/smoke") || !strings.Contains(stderr, "job/"+r.Tests[0].Job+" created") {
		t.Errorf("no progress of the test on stderr:\n%s", stderr)
	}
	// The test's pod logs are streamed to stderr as it runs.
	if !strings.Contains(stderr, testenv.FakeLogLines[0]) || strings.Contains(stderr, "cannot be read") {
		t.Errorf("the test's logs are not on stderr:\n%s", stderr)
	}
	if h := c.history(); len(h.Revisions) != 1 || len(h.Revisions[0].Tests) != 1 || h.Revisions[0].Tests[0].Passed {
		t.Errorf("history after a failing rerun: %+v, want revision 1 with smoke failed", h.Revisions)
	}
	if img, _ := c.image("ztest"); img != c.registry+"/ztest@"+digest {
		t.Errorf("a failing rerun changed what runs: %s", img)
	}

	smoke("{}")
	passing := filepath.Join(t.TempDir(), "passing.xml")
	out, _ = test("text", ExitOK, "--env", "staging", "--junit", passing)
	if doc := readJUnit(t, passing); doc.Tests != 1 || doc.Failures != 0 || doc.Suites[0].Cases[0].Failure != nil {
		t.Errorf("the JUnit file of a passing rerun: %+v", doc)
	}
	if !strings.Contains(out, "TEST") || !strings.Contains(out, "smoke") || !strings.Contains(out, "passed") {
		t.Errorf("the table of a passing rerun:\n%s", out)
	}

	// A deploy whose test fails writes the failure, and rolls back.
	smoke(`{x-platform.test/exit-code: "3"}`)
	next := c.remotes["ztest"].Commit(t, "master", map[string]string{"README.md": "next\n"}, "next")
	c.checkout()
	c.push("ztest", next)
	rolledBack := filepath.Join(t.TempDir(), "rolled-back.xml")
	if r := c.deploy(ExitFailed, "--junit", rolledBack); len(r.Tests) != 1 || r.Tests[0].Passed {
		t.Errorf("a deploy with a failing test reported tests %+v", r.Tests)
	}
	if doc := readJUnit(t, rolledBack); doc.Tests != 1 || doc.Failures != 1 || doc.Suites[0].Cases[0].Failure == nil ||
		!strings.Contains(doc.Suites[0].Cases[0].Failure.Message, "exit code 3") {
		t.Errorf("the JUnit file of a deploy whose test failed: %+v", doc)
	}
	if img, _ := c.image("ztest"); img != c.registry+"/ztest@"+digest {
		t.Errorf("after the failed test the cluster runs %s, want the earlier release", img)
	}
}
