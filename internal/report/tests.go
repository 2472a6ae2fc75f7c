package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// TestResult is one post-deploy test's outcome.
type TestResult struct {
	Name    string `json:"name"`
	Passed  bool   `json:"passed"`
	Job     string `json:"job,omitempty"`
	Message string `json:"message,omitempty"` // why it failed
	// DurationMs is how long the test ran, in milliseconds.
	DurationMs int64 `json:"durationMs"`
}

// WriteTestTable prints post-deploy test results for people.
func WriteTestTable(w io.Writer, tests []TestResult) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TEST\tRESULT\tJOB\tMESSAGE")
	for _, t := range tests {
		result, message := "passed", ""
		if !t.Passed {
			result, message = "failed", t.Message
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, result, orDash(t.Job), orDash(oneLine(message)))
	}
	return tw.Flush()
}

// TestsSummary is a release's tests in a few words: "passed", "failed:
// smoke", or "-" when none ran.
func TestsSummary(tests []TestResult) string {
	if len(tests) == 0 {
		return "-"
	}
	var failed []string
	for _, t := range tests {
		if !t.Passed {
			failed = append(failed, t.Name)
		}
	}
	if len(failed) > 0 {
		return "failed: " + strings.Join(failed, ",")
	}
	return "passed"
}

// TestRun is the result of `x-platform test`: the post-deploy tests of
// the release an environment runs now.
type TestRun struct {
	Command   string       `json:"command"`
	OK        bool         `json:"ok"`
	Env       string       `json:"env"`
	Namespace string       `json:"namespace,omitempty"`
	Revision  int          `json:"revision,omitempty"`
	Tests     []TestResult `json:"tests"`
	Error     string       `json:"error,omitempty"`
	// DurationMs is how long the run took, in milliseconds.
	DurationMs int64 `json:"durationMs"`
}

// WriteTestRunTable prints a test run's results, or says there were none.
func WriteTestRunTable(w io.Writer, r TestRun) error {
	if len(r.Tests) == 0 {
		_, err := fmt.Fprintf(w, "%s revision %d: no post-deploy tests\n", r.Env, r.Revision)
		return err
	}
	return WriteTestTable(w, r.Tests)
}
