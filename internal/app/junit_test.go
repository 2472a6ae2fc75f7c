package app

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/report"
)

// junitDoc is what a CI reads back from --junit's file.
type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Output    string `xml:"system-out"`
			Failure   *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
			Skipped *struct{} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func junitContext(t *testing.T, path string) *cli.Context {
	t.Helper()
	a := &cli.App{Writer: &bytes.Buffer{}, ErrWriter: &bytes.Buffer{}}
	set := flag.NewFlagSet("build", flag.ContinueOnError)
	set.String("output", "json", "")
	set.Bool("explain", false, "")
	set.String("junit", path, "")
	c := cli.NewContext(a, set, nil)
	c.Context = withStart(context.Background(), time.Now())
	return c
}

func readJUnit(t *testing.T, path string) junitDoc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%v in\n%s", err, data)
	}
	return doc
}

func TestBuildWritesAJUnitCasePerService(t *testing.T) {
	path := filepath.Join(t.TempDir(), "build.xml")
	results := []report.ServiceResult{
		{Name: "zfrontend", Action: report.ActionBuilt, Image: "reg.test/x/zfrontend:abc", DurationMs: 2500},
		{Name: "zbackend", Action: report.ActionFailed, Error: "testing zbackend: line 2 of scripts.test exited 1\nFAIL x_test.go", DurationMs: 900},
		{Name: "zgateway", Action: report.ActionSkipped, Error: "not started: dependency zbackend did not succeed"},
	}
	if err := reportServices(junitContext(t, path), "build", results); err != errFailed {
		t.Fatalf("report: %v", err)
	}
	doc := readJUnit(t, path)
	if doc.Tests != 3 || doc.Failures != 1 || doc.Skipped != 1 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 3 {
		t.Fatalf("%+v", doc)
	}
	cs := doc.Suites[0].Cases
	if cs[0].Name != "zfrontend" || cs[0].Classname != "build" || cs[0].Time != "2.500" || cs[0].Output != "built reg.test/x/zfrontend:abc" {
		t.Fatalf("zfrontend %+v", cs[0])
	}
	if cs[1].Failure == nil || cs[1].Failure.Message != "testing zbackend: line 2 of scripts.test exited 1" {
		t.Fatalf("zbackend %+v", cs[1])
	}
	if cs[2].Skipped == nil {
		t.Fatalf("zgateway %+v", cs[2])
	}
}

func TestTestReportWritesAJUnitCasePerTest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tests.xml")
	rep := report.TestRun{Command: "test", Env: "staging", Tests: []report.TestResult{
		{Name: "smoke", Passed: true, Job: "smoke-r4", DurationMs: 4000},
		{Name: "ping", Job: "ping-r4-a,ping-r4-b", Message: "job/ping-r4-b failed: exit code 3", DurationMs: 1200},
	}}
	if err := writeTestReport(junitContext(t, path), rep); err != nil {
		t.Fatal(err)
	}
	doc := readJUnit(t, path)
	if doc.Tests != 2 || doc.Failures != 1 || doc.Suites[0].Name != "staging" {
		t.Fatalf("%+v", doc)
	}
	cs := doc.Suites[0].Cases
	if cs[0].Name != "smoke" || cs[0].Classname != "staging" || cs[0].Failure != nil || cs[0].Time != "4.000" {
		t.Fatalf("smoke %+v", cs[0])
	}
	if cs[1].Output != "job/ping-r4-a job/ping-r4-b" || cs[1].Failure == nil || cs[1].Failure.Message != "job/ping-r4-b failed: exit code 3" {
		t.Fatalf("ping %+v", cs[1])
	}
}

func TestJUnitInAMissingFolderIsRefusedFirst(t *testing.T) {
	var out, errs bytes.Buffer
	path := filepath.Join(t.TempDir(), "no", "such", "junit.xml")
	code := Run(context.Background(), []string{"x-platform", "build", "--junit", path}, Streams{Out: &out, Err: &errs})
	if code != ExitUsage || !strings.Contains(errs.String(), "is not a folder (create it") {
		t.Fatalf("exit %d, stderr %q", code, errs.String())
	}
}
