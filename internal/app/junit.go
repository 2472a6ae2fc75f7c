package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/junit"
	"github.com/x-platform/x-platform/internal/report"
)

func junitFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "junit", Usage: "also write the results as JUnit XML to `FILE`, for a CI's test report"}
}

// checkJUnit refuses a --junit file that could never be written, before
// any work whose results it would lose.
func checkJUnit(c *cli.Context) error {
	path := c.String("junit")
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !info.IsDir() {
		return usageError{fmt.Errorf("--junit %s: %s is not a folder (create it, or name a file in an existing folder)", path, dir)}
	}
	if err != nil {
		return usageError{fmt.Errorf("--junit %s: %w", path, err)}
	}
	return nil
}

// writeJUnit writes --junit's file, when asked for.
func writeJUnit(c *cli.Context, command string, suites ...junit.Suite) error {
	path := c.String("junit")
	if path == "" {
		return nil
	}
	if err := junit.WriteFile(path, "x-platform "+command, time.Duration(elapsedMs(c))*time.Millisecond, suites...); err != nil {
		return usageError{fmt.Errorf("writing the JUnit file (--junit): %w", err)}
	}
	return nil
}

// serviceCases are a build's services as test cases: a failed service
// (its sync, build or test scripts) fails, a service never started is
// skipped.
func serviceCases(command string, results []report.ServiceResult) []junit.Case {
	var cases []junit.Case
	for _, r := range results {
		c := junit.Case{Name: r.Name, Classname: command, Duration: time.Duration(r.DurationMs) * time.Millisecond}
		switch r.Action {
		case report.ActionFailed:
			c.Failure = &junit.Failure{Message: firstLine(r.Error), Type: string(r.Action), Text: r.Error}
		case report.ActionSkipped:
			c.Skipped = &junit.Skipped{Message: r.Error}
		default:
			c.Output = strings.TrimSpace(string(r.Action) + " " + r.Image)
		}
		cases = append(cases, c)
	}
	return cases
}

// testCases are post-deploy tests as test cases of the environment env,
// each naming its Jobs.
func testCases(env string, tests []report.TestResult) []junit.Case {
	var cases []junit.Case
	for _, t := range tests {
		c := junit.Case{Name: t.Name, Classname: env, Duration: time.Duration(t.DurationMs) * time.Millisecond, Output: "job/" + strings.ReplaceAll(t.Job, ",", " job/")}
		if t.Job == "" {
			c.Output = ""
		}
		if !t.Passed {
			c.Failure = &junit.Failure{Message: firstLine(t.Message), Type: "failed", Text: t.Message}
		}
		cases = append(cases, c)
	}
	return cases
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
