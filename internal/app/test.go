package app

import (
	"context"
	"errors"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/junit"
	"github.com/x-platform/x-platform/internal/report"
)

func testCommand() *cli.Command {
	return &cli.Command{
		Name:  "test",
		Usage: "rerun the environment's post-deploy tests against the release it runs now and record the results; nothing is rolled back",
		Flags: append(envFlags(), junitFlag()),
		Action: func(c *cli.Context) error {
			if err := checkJUnit(c); err != nil {
				return err
			}
			e, err := openEnv(c, "test")
			if err != nil {
				return err
			}
			run, err := e.Test(c.Context)
			if run == nil {
				return testFailed(c, e.Name, deployError(err))
			}
			rep := report.TestRun{Command: "test", OK: err == nil && run.Passed(), Env: run.Env, Namespace: run.Namespace, Revision: run.Revision, Tests: testResults(run.Results)}
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
	if outputFormat(c) == "json" && !errors.Is(err, context.Canceled) {
		rep := report.TestRun{Command: "test", Env: env, Tests: []report.TestResult{}, Error: err.Error()}
		if werr := writeTestReport(c, rep); werr != nil {
			return werr
		}
	}
	return err
}

func writeTestReport(c *cli.Context, rep report.TestRun) error {
	rep.DurationMs = elapsedMs(c)
	summarize(c, func(w io.Writer) error {
		if err := report.WriteSummary(w, "test "+rep.Env, report.Report{OK: rep.OK, DurationMs: rep.DurationMs}); err != nil {
			return err
		}
		return report.WriteTestSummary(w, rep.Tests)
	})
	if err := writeResult(c, rep, func(w io.Writer) error { return report.WriteTestRunTable(w, rep) }); err != nil {
		return err
	}
	return writeJUnit(c, "test", junit.NewSuite(rep.Env, testCases(rep.Env, rep.Tests)))
}

// testResults are a release's test results as reports show them.
func testResults(rs []release.TestResult) []report.TestResult {
	out := []report.TestResult{}
	for _, r := range rs {
		out = append(out, report.TestResult{Name: r.Name, Passed: r.Passed, Job: r.Job, Message: r.Message, DurationMs: r.DurationMs})
	}
	return out
}
