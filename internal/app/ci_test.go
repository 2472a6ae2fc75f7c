package app

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/ui"
)

func TestUnknownCIIsAUsageError(t *testing.T) {
	var out, errs bytes.Buffer
	code := Run(context.Background(), []string{"x-platform", "--ci", "jenkins", "version"}, Streams{Out: &out, Err: &errs})
	if code != ExitUsage || !strings.Contains(errs.String(), `unknown CI log format "jenkins": use github, gitlab or none`) {
		t.Fatalf("exit %d, stderr %q", code, errs.String())
	}
	t.Setenv("XP_CI", "travis")
	errs.Reset()
	if code := Run(context.Background(), []string{"x-platform", "version"}, Streams{Out: &out, Err: &errs}); code != ExitUsage {
		t.Fatalf("XP_CI=travis: exit %d, stderr %q", code, errs.String())
	}
}

func TestBuildReportIsAppendedToTheJobSummary(t *testing.T) {
	summary := filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(summary, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	for _, ci := range []ui.CI{ui.CIGitHub, ui.CIGitLab} {
		var out, errs bytes.Buffer
		a := &cli.App{Writer: &out, ErrWriter: &errs, Metadata: map[string]any{ciKey: ci}}
		set := flag.NewFlagSet("build", flag.ContinueOnError)
		set.String("output", "text", "")
		set.Bool("explain", false, "")
		c := cli.NewContext(a, set, nil)
		c.Context = withStart(context.Background(), time.Now())
		results := []report.ServiceResult{{Name: "zbackend", Action: report.ActionFailed, Error: "script failed", DurationMs: 1500}}
		if err := reportServices(c, "build", results); err != errFailed {
			t.Fatalf("report: %v", err)
		}
		if !strings.Contains(out.String(), "zbackend: script failed") || errs.Len() > 0 {
			t.Fatalf("stdout %q, stderr %q", out.String(), errs.String())
		}
	}
	got, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	// GitLab has no job summary: only the GitHub run appended one.
	if !strings.HasPrefix(string(got), "earlier step\n### ❌ x-platform build") || strings.Count(string(got), "### ") != 1 ||
		!strings.Contains(string(got), "| zbackend | failed | - | 1.5s | script failed |") {
		t.Fatalf("summary:\n%s", got)
	}
}

func TestUnwritableSummaryIsAWarning(t *testing.T) {
	t.Setenv("GITHUB_STEP_SUMMARY", filepath.Join(t.TempDir(), "missing", "summary.md"))
	var out, errs bytes.Buffer
	a := &cli.App{Writer: &out, ErrWriter: &errs, Metadata: map[string]any{ciKey: ui.CIGitHub}}
	set := flag.NewFlagSet("build", flag.ContinueOnError)
	set.String("output", "text", "")
	set.Bool("explain", false, "")
	c := cli.NewContext(a, set, nil)
	c.Context = context.Background()
	if err := reportServices(c, "sync", []report.ServiceResult{{Name: "zbackend", Action: report.ActionSynced}}); err != nil {
		t.Fatalf("report: %v", err)
	}
	if !strings.Contains(errs.String(), "warning: writing the job summary") || !strings.Contains(out.String(), "zbackend") {
		t.Fatalf("stdout %q, stderr %q", out.String(), errs.String())
	}
}
