package manifest

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestVulnerabilities(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	yml := `vulnerabilities:
  database: osv
  failOn: high
  ignore:
    - {id: GHSA-aaaa-bbbb-cccc, reason: "not reachable from our code", expires: 2027-01-31}
    - id: CVE-2024-1
      reason: waiting for upstream
      expires: "2026-12-31"
      services: [zbackend]
`
	m, err := Parse(filepath.Join(root, FileName), []byte(yml+signingService))
	if err != nil {
		t.Fatal(err)
	}
	want := &Vulnerabilities{Database: filepath.Join(root, "osv"), FailOn: "high", Ignore: []VulnIgnore{
		{ID: "GHSA-aaaa-bbbb-cccc", Reason: "not reachable from our code", Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)},
		{ID: "CVE-2024-1", Reason: "waiting for upstream", Expires: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), Services: []string{"zbackend"}},
	}}
	if !reflect.DeepEqual(m.Vulnerabilities, want) {
		t.Errorf("got %+v\nwant %+v", m.Vulnerabilities, want)
	}
	if !m.Vulnerabilities.Gates() {
		t.Error("failOn high does not gate")
	}
	m, err = Parse(filepath.Join(root, FileName), []byte("vulnerabilities: {database: /srv/osv.zip}\n"+signingService))
	if err != nil {
		t.Fatal(err)
	}
	if v := m.Vulnerabilities; v.FailOn != "none" || v.Gates() || v.Database != "/srv/osv.zip" {
		t.Errorf("without failOn: %+v, gates %v; want failOn none, no gate", v, v.Gates())
	}
	m, err = Parse(filepath.Join(root, FileName), []byte(signingService))
	if err != nil || m.Vulnerabilities != nil || m.Vulnerabilities.Gates() {
		t.Errorf("no section: %+v, %v", m.Vulnerabilities, err)
	}
}

func TestVulnerabilitiesInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, yaml, want string }{
		{"unknown severity", "vulnerabilities: {failOn: severe}\n", `1:27: vulnerabilities.failOn: unknown severity "severe"; failOn is one of none, unknown, low, medium, high, critical`},
		{"severity spelt in capitals", "vulnerabilities: {failOn: HIGH}\n", "(did you mean high?)"},
		{"no reason", "vulnerabilities:\n  ignore: [{id: GHSA-1, expires: 2027-01-01}]\n", "vulnerabilities.ignore[0].reason: required key is missing"},
		{"empty reason", "vulnerabilities:\n  ignore: [{id: GHSA-1, reason: '', expires: 2027-01-01}]\n", "vulnerabilities.ignore[0].reason: must not be empty"},
		{"no expiry", "vulnerabilities:\n  ignore: [{id: GHSA-1, reason: r}]\n", "vulnerabilities.ignore[0].expires: required key is missing"},
		{"bad date", "vulnerabilities:\n  ignore: [{id: GHSA-1, reason: r, expires: 31/01/2027}]\n", `vulnerabilities.ignore[0].expires: must be a date written YYYY-MM-DD, got "31/01/2027"`},
		{"no id", "vulnerabilities:\n  ignore: [{reason: r, expires: 2027-01-01}]\n", "vulnerabilities.ignore[0].id: required key is missing"},
		{"unknown service", "vulnerabilities:\n  ignore: [{id: G, reason: r, expires: 2027-01-01, services: [zbackendd]}]\n", "vulnerabilities.ignore[0].services[0]: no service is named zbackendd (did you mean zbackend?)"},
		{"unknown key", "vulnerabilities: {db: x}\n", "vulnerabilities.db: unknown key"},
		{"tilde", "vulnerabilities: {database: ~/osv}\n", "vulnerabilities.database: ~ is not expanded here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(filepath.Join(t.TempDir(), FileName), []byte(tt.yaml+signingService))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
