package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/x-platform/x-platform/internal/shortsha"
)

// WriteSummary writes a report as the Markdown of a CI job summary: a
// heading, then a row per service with its action, image or commit, how
// long it took and its error.
func WriteSummary(w io.Writer, title string, r Report) error {
	r = hideSecrets(r)
	mark := "✅"
	if !r.OK {
		mark = "❌"
	}
	fmt.Fprintf(w, "### %s x-platform %s (%s)\n\n", mark, title, Millis(r.DurationMs))
	if len(r.Services) > 0 {
		fmt.Fprintln(w, "| service | action | image / commit | duration | error |")
		fmt.Fprintln(w, "| --- | --- | --- | --- | --- |")
		for _, s := range r.Services {
			what := s.Image
			if what == "" {
				what = shortsha.Commit(s.Commit)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", cell(s.Name), s.Action, code(what), Millis(s.DurationMs), cell(oneLine(s.Error)))
		}
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintln(w)
	return err
}

// WriteTestSummary writes post-deploy tests as a job summary's table.
func WriteTestSummary(w io.Writer, tests []TestResult) error {
	if len(tests) == 0 {
		return nil
	}
	fmt.Fprintln(w, "| test | result | job | message |")
	fmt.Fprintln(w, "| --- | --- | --- | --- |")
	for _, t := range tests {
		result := "passed"
		if !t.Passed {
			result = "failed"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", cell(t.Name), result, code(t.Job), cell(oneLine(t.Message)))
	}
	_, err := fmt.Fprintln(w)
	return err
}

// Millis writes a duration in milliseconds as people read one: 850ms,
// 12.3s, 4m05s; "-" for none.
func Millis(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	switch {
	case ms <= 0:
		return "-"
	case d < time.Second:
		return fmt.Sprintf("%dms", ms)
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	default:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
}

// cell keeps a table cell in its column: a pipe would end it.
func cell(s string) string {
	if s == "" {
		return ""
	}
	return strings.ReplaceAll(s, "|", `\|`)
}

func code(s string) string {
	if s == "" {
		return "-"
	}
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}
