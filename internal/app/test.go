package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/ui"
)

// TestReport is the result of `x-platform test` on stdout.
type TestReport struct {
	Command   string       `json:"command"`
	OK        bool         `json:"ok"`
	Env       string       `json:"env"`
	Namespace string       `json:"namespace,omitempty"`
	Revision  int          `json:"revision,omitempty"`
	Tests     []TestResult `json:"tests"`
	Error     string       `json:"error,omitempty"`
}

// TestResult is one post-deploy test in a TestReport.
type TestResult struct {
	Name    string `json:"name"`
	Passed  bool   `json:"passed"`
	Job     string `json:"job,omitempty"`
	Message string `json:"message,omitempty"`
}

func testCommand() *cli.Command {
	return &cli.Command{
		Name:  "test",
		Usage: "rerun the environment's post-deploy tests against the release it runs now and record the results; nothing is rolled back",
		Flags: envFlags(),
		Action: func(c *cli.Context) error {
			e, err := openEnv(c, "test")
			if err != nil {
				return err
			}
			run, err := e.Test(c.Context)
			if run == nil {
				return testFailed(c, e.Name, deployError(err))
			}
			rep := TestReport{Command: "test", OK: err == nil && run.Passed(), Env: run.Env, Namespace: run.Namespace, Revision: run.Revision, Tests: []TestResult{}}
			for _, r := range run.Results {
				rep.Tests = append(rep.Tests, TestResult{Name: r.Name, Passed: r.Passed, Job: r.Job, Message: r.Message})
			}
			if err != nil {
				rep.Error = err.Error()
			}
			if werr := writeTestReport(c, rep); werr != nil {
				return werr
			}
			return deployError(err)
		},
	}
}

// testFailed reports a test run that could not start.
func testFailed(c *cli.Context, env string, err error) error {
	if c.String("output") == "json" && !errors.Is(err, context.Canceled) {
		rep := TestReport{Command: "test", Env: env, Tests: []TestResult{}, Error: err.Error()}
		if werr := writeTestReport(c, rep); werr != nil {
			return werr
		}
	}
	return err
}

func writeTestReport(c *cli.Context, rep TestReport) error {
	var err error
	if c.String("output") == "json" {
		err = ui.WriteDocument(c.App.Writer, rep)
	} else {
		err = writeTestTable(c.App.Writer, rep)
	}
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

func writeTestTable(w io.Writer, r TestReport) error {
	if len(r.Tests) == 0 {
		_, err := fmt.Fprintf(w, "%s revision %d: no post-deploy tests\n", r.Env, r.Revision)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TEST\tRESULT\tJOB\tMESSAGE")
	for _, t := range r.Tests {
		result := "passed"
		if !t.Passed {
			result = "failed"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, result, orNone(t.Job), orNone(strings.ReplaceAll(t.Message, "\n", " ")))
	}
	return tw.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
