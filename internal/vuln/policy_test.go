package vuln

import (
	"testing"
	"time"
)

func TestJudge(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	findings := []Finding{
		{Package: "a", Advisory: "GHSA-1", Aliases: []string{"CVE-1"}, Severity: Critical},
		{Package: "b", Advisory: "GHSA-2", Severity: High},
		{Package: "c", Advisory: "GHSA-3", Severity: Medium},
		{Package: "d", Advisory: "GO-4", Severity: Unknown},
		{Package: "e", Advisory: "GHSA-5", Severity: High},
	}
	p := Policy{FailOn: High, Ignore: []Ignore{
		{ID: "cve-1", Reason: "not reachable", Expires: day("2027-01-31")},
		{ID: "GHSA-2", Reason: "waiting for upstream", Expires: day("2026-12-01")},
		{ID: "GHSA-5", Reason: "other service only", Expires: day("2030-01-01"), Services: []string{"other"}},
	}}
	want := []struct{ verdict, note string }{
		{Ignored, "ignored until 2027-01-31: not reachable"},
		{Fails, "ignore entry GHSA-2 expired on 2026-12-01; counted again"},
		{Passes, ""},
		{Passes, ""},
		{Fails, ""},
	}
	got := p.Judge("svc", findings, day("2027-01-31").Add(23*time.Hour))
	for i, w := range want {
		if got[i].Verdict != w.verdict || got[i].Note != w.note {
			t.Errorf("%s: %s %q, want %s %q", got[i].Advisory, got[i].Verdict, got[i].Note, w.verdict, w.note)
		}
	}
	if n := len(Failing(got)); n != 2 {
		t.Errorf("%d failing, want 2", n)
	}
	if got := (Policy{FailOn: Unknown}).Judge("svc", findings[3:4], day("2027-01-01")); got[0].Verdict != Fails {
		t.Errorf("failOn unknown: an unrated finding %s, want fails", got[0].Verdict)
	}
	if got := (Policy{}).Judge("svc", findings, day("2027-01-01")); len(Failing(got)) != 0 {
		t.Errorf("no failOn: %d failing, want none", len(Failing(got)))
	}
	if got := p.Judge("svc", findings, day("2027-02-01")); got[0].Verdict != Fails ||
		got[0].Note != "ignore entry cve-1 expired on 2027-01-31; counted again" {
		t.Errorf("the day after expiry: %s %q", got[0].Verdict, got[0].Note)
	}
}
