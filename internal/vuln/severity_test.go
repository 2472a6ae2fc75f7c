package vuln

import (
	"encoding/json"
	"testing"
)

func TestCVSS3(t *testing.T) {
	tests := []struct {
		vector string
		score  float64
		sev    Severity
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, Critical},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, Critical},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, High},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, Medium},
		{"CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.8, Low},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:N/A:N", 5.0, Medium},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, Unknown},
	}
	for _, tt := range tests {
		got, err := CVSS3(tt.vector)
		if err != nil || got != tt.score {
			t.Errorf("CVSS3(%q) = %v, %v; want %v", tt.vector, got, err, tt.score)
		}
		if s := FromScore(got); s != tt.sev {
			t.Errorf("FromScore(%v) = %s, want %s", got, s, tt.sev)
		}
	}
	for _, bad := range []string{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "CVSS:3.1/AV:N", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"} {
		if _, err := CVSS3(bad); err == nil {
			t.Errorf("CVSS3(%q) gave no error", bad)
		}
	}
}

func TestSeverityOf(t *testing.T) {
	e := &osvEntry{Severity: []severity{{"CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}}}
	e.Database.Severity = "CRITICAL"
	if got := severityOf(e, &affected{}); got != High {
		t.Errorf("the CVSS v3 score should come first: got %s, want high", got)
	}
	e.Severity = []severity{{"CVSS_V4", "CVSS:4.0/AV:N"}}
	if got := severityOf(e, &affected{}); got != Critical {
		t.Errorf("without a v3 vector, database_specific: got %s, want critical", got)
	}
	e.Database.Severity = "MODERATE"
	if got := severityOf(e, &affected{}); got != Medium {
		t.Errorf("MODERATE: got %s, want medium", got)
	}
	if got := severityOf(&osvEntry{}, &affected{}); got != Unknown {
		t.Errorf("no rating: got %s, want unknown", got)
	}
	for _, n := range Severities() {
		if s, err := ParseSeverity(n); err != nil || s.String() != n {
			t.Errorf("ParseSeverity(%q) = %v, %v", n, s, err)
		}
	}
	var back Severity
	if b, err := json.Marshal(High); err != nil || string(b) != `"high"` || json.Unmarshal(b, &back) != nil || back != High {
		t.Errorf("JSON of high: %s, %v; read back %s", b, err, back)
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error("ParseSeverity(severe) gave no error")
	}
}
