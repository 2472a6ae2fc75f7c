package report

import (
	"bytes"
	"strings"
	"testing"
)

// secretURL carries a token as its user, in no format redact knows by
// sight: only the URL's shape tells it is a secret.
const (
	secret    = "s3cr3t-t0ken-value"
	secretURL = "https://" + secret + "@git.example.com/x.git"
)

// TestReportsHideURLSecrets checks that a remote quoted in an error or a
// reason reaches neither the JSON report nor the table in clear.
func TestReportsHideURLSecrets(t *testing.T) {
	r := NewReport("plan", []ServiceResult{
		{Name: "a", Action: ActionFailed, Error: "listing references of " + secretURL + ": authentication required"},
		{Name: "b", Action: ActionBuilt, Reason: "fetched from " + secretURL},
	})
	r.Explain = true
	for name, write := range map[string]func(*bytes.Buffer) error{
		"json":  func(b *bytes.Buffer) error { return JSON(b, r) },
		"table": func(b *bytes.Buffer) error { return WriteTable(b, r) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), secret) || !strings.Contains(b.String(), "https://REDACTED@git.example.com/x.git") {
			t.Errorf("%s report:\n%s", name, b.String())
		}
	}
	if r.Services[0].Error != "listing references of "+secretURL+": authentication required" {
		t.Errorf("writing the report changed the caller's results: %q", r.Services[0].Error)
	}
}

// TestDeployReportHidesURLSecrets checks the deploy document: its
// services and its error.
func TestDeployReportHidesURLSecrets(t *testing.T) {
	r := DeployReport{Report: NewReport("deploy", []ServiceResult{{Name: "a", Action: ActionFailed, Error: "fetching " + secretURL + ": refused"}}), Env: "staging", Error: "resolving images: fetching " + secretURL + ": refused"}
	var b bytes.Buffer
	if err := JSON(&b, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), secret) || strings.Count(b.String(), "https://REDACTED@git.example.com/x.git") != 2 || !strings.Contains(b.String(), `"env": "staging"`) {
		t.Errorf("deploy report:\n%s", b.String())
	}
}
