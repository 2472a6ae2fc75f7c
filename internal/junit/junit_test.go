package junit

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// parsed is the shape CI systems read back.
type parsed struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Time     string `xml:"time,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestWriteParsesBack(t *testing.T) {
	build := NewSuite("build", []Case{
		{Name: "zfrontend", Classname: "build", Duration: 1500 * time.Millisecond},
		{Name: "zbackend", Classname: "build", Duration: 250 * time.Millisecond, Failure: &Failure{Message: "script <2> failed & stopped", Type: "failed", Text: "line 1\nline 2"}},
		{Name: "zgateway", Classname: "build", Skipped: &Skipped{Message: "dependency zbackend did not succeed"}},
	})
	var buf bytes.Buffer
	if err := Write(&buf, "x-platform build", 2*time.Second, build); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Fatalf("no XML header:\n%s", buf.String())
	}
	var got parsed
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v in\n%s", err, buf.String())
	}
	if got.Tests != 3 || got.Failures != 1 || got.Skipped != 1 || len(got.Suites) != 1 {
		t.Fatalf("counts %+v", got)
	}
	s := got.Suites[0]
	if s.Name != "build" || s.Tests != 3 || s.Failures != 1 || s.Time != "1.750" || len(s.Cases) != 3 {
		t.Fatalf("suite %+v", s)
	}
	if c := s.Cases[0]; c.Name != "zfrontend" || c.Time != "1.500" || c.Failure != nil || c.Skipped != nil {
		t.Fatalf("passed case %+v", c)
	}
	if f := s.Cases[1].Failure; f == nil || f.Message != "script <2> failed & stopped" || f.Text != "line 1\nline 2" {
		t.Fatalf("failure %+v", f)
	}
	if sk := s.Cases[2].Skipped; sk == nil || sk.Message != "dependency zbackend did not succeed" {
		t.Fatalf("skipped %+v", sk)
	}
}

func TestWriteFileEmptySuite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := WriteFile(path, "x-platform test", 0, NewSuite("staging", nil)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got parsed
	if err := xml.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Tests != 0 || len(got.Suites) != 1 || got.Suites[0].Name != "staging" || len(got.Suites[0].Cases) != 0 {
		t.Fatalf("%+v in\n%s", got, data)
	}
}
