package junit

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"time"

	"github.com/x-platform/x-platform/internal/atomicfile"
)

// Suites is the document: every suite of one run.
type Suites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     seconds  `xml:"time,attr"`
	Suites   []Suite  `xml:"testsuite"`
}

// Suite is one group of cases, such as one command's services.
type Suite struct {
	Name     string  `xml:"name,attr"`
	Tests    int     `xml:"tests,attr"`
	Failures int     `xml:"failures,attr"`
	Skipped  int     `xml:"skipped,attr"`
	Time     seconds `xml:"time,attr"`
	Cases    []Case  `xml:"testcase"`
}

// Case is one test: passed unless it carries a Failure or is Skipped.
type Case struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      seconds       `xml:"time,attr"`
	Failure   *Failure      `xml:"failure,omitempty"`
	Skipped   *Skipped      `xml:"skipped,omitempty"`
	Output    string        `xml:"system-out,omitempty"`
	Duration  time.Duration `xml:"-"`
}

// Failure says why a case failed: Message in one line, Text in full.
type Failure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// Skipped says why a case did not run.
type Skipped struct {
	Message string `xml:"message,attr"`
}

// seconds is a duration as JUnit writes it: seconds, to the millisecond.
type seconds time.Duration

func (s seconds) MarshalXMLAttr(name xml.Name) (xml.Attr, error) {
	return xml.Attr{Name: name, Value: fmt.Sprintf("%.3f", time.Duration(s).Seconds())}, nil
}

// NewSuite counts the cases' outcomes and times.
func NewSuite(name string, cases []Case) Suite {
	s := Suite{Name: name, Tests: len(cases), Cases: cases}
	var total time.Duration
	for i, c := range cases {
		s.Cases[i].Time = seconds(c.Duration)
		total += c.Duration
		switch {
		case c.Failure != nil:
			s.Failures++
		case c.Skipped != nil:
			s.Skipped++
		}
	}
	s.Time = seconds(total)
	if s.Cases == nil {
		s.Cases = []Case{}
	}
	return s
}

// Write writes the suites as one JUnit XML document named name.
func Write(w io.Writer, name string, elapsed time.Duration, suites ...Suite) error {
	doc := Suites{Name: name, Time: seconds(elapsed), Suites: suites}
	for _, s := range suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteFile replaces path with the document whole, so a CI step that
// reads it never sees half of one.
func WriteFile(path, name string, elapsed time.Duration, suites ...Suite) error {
	var buf bytes.Buffer
	if err := Write(&buf, name, elapsed, suites...); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes(), 0o644)
}
