package report

import (
	"bytes"
	"testing"
)

func TestWriteSummary(t *testing.T) {
	r := NewReport("build", []ServiceResult{
		{Name: "zfrontend", Action: ActionBuilt, Image: "reg.test/x/zfrontend:0123456789abcdef", DurationMs: 12345},
		{Name: "zbackend", Action: ActionFailed, Commit: "fedcba9876543210fedcba9876543210fedcba98", DurationMs: 850, Error: "script failed | exit code 2\nsee above"},
		{Name: "zgateway", Action: ActionSkipped, Error: "not started: dependency zbackend did not succeed"},
	})
	r.DurationMs = 245000
	var buf bytes.Buffer
	if err := WriteSummary(&buf, "build", r); err != nil {
		t.Fatal(err)
	}
	want := "### ❌ x-platform build (4m05s)\n\n" +
		"| service | action | image / commit | duration | error |\n" +
		"| --- | --- | --- | --- | --- |\n" +
		"| zfrontend | built | `reg.test/x/zfrontend:0123456789abcdef` | 12.3s |  |\n" +
		"| zbackend | failed | `fedcba987654` | 850ms | script failed \\| exit code 2 see above |\n" +
		"| zgateway | skipped | - | - | not started: dependency zbackend did not succeed |\n\n\n"
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestWriteTestSummary(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTestSummary(&buf, []TestResult{{Name: "smoke", Passed: true, Job: "smoke-r3"}, {Name: "ping", Job: "ping-r3", Message: "exit code 3"}}); err != nil {
		t.Fatal(err)
	}
	want := "| test | result | job | message |\n| --- | --- | --- | --- |\n| smoke | passed | `smoke-r3` |  |\n| ping | failed | `ping-r3` | exit code 3 |\n\n"
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
}
