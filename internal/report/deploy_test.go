package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDeployReportJSONExtendsTheBuildReport(t *testing.T) {
	t.Parallel()
	r := DeployReport{
		Report: Report{Command: "deploy", OK: false, Services: []ServiceResult{{Name: "zbackend", Commit: "c", Image: "r/zbackend:c", Digest: "sha256:1", Action: ActionRolledBack}}},
		Env:    "staging", Namespace: "x-staging", Revision: 4, RolledBackTo: 3, RollbackRevision: 5,
		Objects: []ObjectResult{{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "x-staging", Name: "zbackend", Action: "configured", Rollout: "failed", Ready: "0/1", Cause: "CrashLoopBackOff"}},
	}
	var buf bytes.Buffer
	if err := JSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	// A reader of build reports still finds its fields.
	var build Report
	if err := json.Unmarshal(buf.Bytes(), &build); err != nil || build.Command != "deploy" || len(build.Services) != 1 || build.Services[0].Action != ActionRolledBack {
		t.Fatalf("as a build report: %+v, %v", build, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"command", "ok", "services", "env", "namespace", "revision", "rolledBackTo", "rollbackRevision", "objects"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("JSON has no %q:\n%s", key, buf.String())
		}
	}
	obj := raw["objects"].([]any)[0].(map[string]any)
	if obj["cause"] != "CrashLoopBackOff" || obj["rollout"] != "failed" || obj["ready"] != "0/1" {
		t.Errorf("object %v", obj)
	}
}

func TestWriteDeployTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    DeployReport
		want []string
	}{
		{"deployed", DeployReport{Report: Report{OK: true}, Env: "staging", Revision: 2,
			Objects: []ObjectResult{{Kind: "Deployment", Namespace: "x", Name: "a", Action: "configured", Rollout: "ready", Ready: "2/2"}}},
			[]string{"x deployment/a  configured  ready    2/2", "staging: revision 2 deployed"}},
		{"unchanged", DeployReport{Report: Report{OK: true}, Env: "staging", Revision: 2, Unchanged: true}, []string{"nothing changed, revision 2 stays deployed"}},
		{"rolled back", DeployReport{Env: "staging", Revision: 3, RolledBackTo: 2, RollbackRevision: 4,
			Objects: []ObjectResult{{Kind: "Deployment", Name: "a", Action: "configured", Rollout: "failed", Cause: "CrashLoopBackOff", Message: "pod a-1: back-off"}}},
			[]string{"CrashLoopBackOff pod a-1: back-off", "revision 3 failed; revision 2 restored as revision 4"}},
		{"a test failed", DeployReport{Env: "staging", Revision: 3, RolledBackTo: 2, RollbackRevision: 4,
			Tests: []TestResult{{Name: "smoke", Passed: true, Job: "smoke-r3-ab"}, {Name: "e2e", Job: "e2e-r3-cd", Message: "container e2e: Error, exit code 3"}}},
			[]string{"TEST   RESULT  JOB          MESSAGE", "smoke  passed  smoke-r3-ab  -", "e2e    failed  e2e-r3-cd    container e2e: Error, exit code 3"}},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := WriteDeployTable(&buf, tt.r); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("%s: table does not contain %q:\n%s", tt.name, w, buf.String())
			}
		}
	}
}

func TestWriteHistoryAndDiff(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := HistoryReport{Env: "staging", Revisions: []Revision{{Revision: 1, Status: "deployed", Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Description: "deploy",
		Services: []ServiceResult{{Name: "zbackend", Commit: "0123456789abcdef"}}}}}
	if err := WriteHistoryTable(&buf, h); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "zbackend@0123456789ab") || !strings.Contains(buf.String(), "deployed") {
		t.Errorf("history table:\n%s", buf.String())
	}
	for _, tc := range []struct {
		tests []TestResult
		want  string
	}{
		{nil, "-"},
		{[]TestResult{{Name: "smoke", Passed: true}}, "passed"},
		{[]TestResult{{Name: "smoke", Passed: true}, {Name: "e2e"}, {Name: "load"}}, "failed: e2e,load"},
	} {
		buf.Reset()
		h.Revisions[0].Tests = tc.tests
		if err := WriteHistoryTable(&buf, h); err != nil || !strings.Contains(buf.String(), "  "+tc.want+"  ") {
			t.Errorf("history table with tests %+v, want %q:\n%s", tc.tests, tc.want, buf.String())
		}
	}
	buf.Reset()
	if err := WriteDiffText(&buf, DiffReport{Env: "staging"}); err != nil || buf.String() != "staging: no changes\n" {
		t.Errorf("empty diff: %q %v", buf.String(), err)
	}
	buf.Reset()
	d := DiffReport{Env: "staging", Changes: []Change{{Kind: "ConfigMap", Namespace: "x", Name: "c", Action: "configured", Diff: "--- a\n+++ b\n"}}}
	if err := WriteDiffText(&buf, d); err != nil || !strings.HasPrefix(buf.String(), "### x configmap/c configured\n--- a\n") {
		t.Errorf("diff text: %q %v", buf.String(), err)
	}
}
