package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestPhasesInReports(t *testing.T) {
	t.Parallel()
	passed := PhaseResult{Phase: "pre-deploy", Name: "migrate", Job: "migrate-r2-abcde", Status: "passed"}
	failed := PhaseResult{Phase: "pre-deploy", Name: "seed", Job: "seed-r2-fghij", Status: "failed", Message: "exit code 1"}
	for _, tt := range []struct {
		phases []PhaseResult
		want   string
	}{{nil, "-"}, {[]PhaseResult{passed}, "passed"}, {[]PhaseResult{passed, failed}, "failed: pre-deploy/seed"}} {
		if got := PhasesSummary(tt.phases); got != tt.want {
			t.Errorf("PhasesSummary(%v) = %q, want %q", tt.phases, got, tt.want)
		}
	}
	var buf bytes.Buffer
	if err := WriteDeployTable(&buf, DeployReport{Env: "staging", Revision: 2, Phases: []PhaseResult{passed, failed}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "PHASE") || !strings.Contains(buf.String(), "seed-r2-fghij") || !strings.Contains(buf.String(), "exit code 1") {
		t.Errorf("deploy table without its phases:\n%s", buf.String())
	}
	buf.Reset()
	d := DiffReport{Env: "staging", Changes: []Change{{Kind: "Job", Name: "migrate", Action: "runs", Phase: "pre-deploy", Diff: "(job)\n"}}}
	if err := WriteDiffText(&buf, d); err != nil || !strings.HasPrefix(buf.String(), "### job/migrate runs (pre-deploy)\n") {
		t.Errorf("diff text: %q %v", buf.String(), err)
	}
}
