package app

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestStatusReportOK(t *testing.T) {
	clean := envReport{Name: "staging", Reachable: true, Services: []serviceReport{{Name: "a", Flags: []string{}}}}
	drift := envReport{Name: "prod", Reachable: true, Services: []serviceReport{{Name: "a", Flags: []string{"drift", "behind"}}}}
	down := envReport{Name: "prod", Error: "reaching the cluster: refused"}
	for _, tc := range []struct {
		name   string
		envs   []envReport
		failOn []string
		ok     bool
	}{
		{"clean", []envReport{clean}, []string{"drift"}, true},
		{"flags without --fail-on", []envReport{clean, drift}, nil, true},
		{"drift asked for", []envReport{clean, drift}, []string{"drift"}, false},
		{"behind asked for", []envReport{drift}, []string{"missing", "behind"}, false},
		{"other flag asked for", []envReport{drift}, []string{"missing"}, true},
		{"unreachable", []envReport{clean, down}, nil, false},
	} {
		if got := (statusReport{Environments: tc.envs}).ok(tc.failOn); got != tc.ok {
			t.Errorf("%s: ok = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

func TestWriteStatusTable(t *testing.T) {
	at := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	r := statusReport{Environments: []envReport{
		{Name: "staging", Reachable: true, Revision: 3, Time: &at, Services: []serviceReport{
			{Name: "a", Running: "sha256:0123456789abcdef", Flags: []string{}},
			{Name: "b", Flags: []string{"missing"}},
		}, Drifted: []driftReport{{Object: "Deployment.apps/ns/b", Gone: true}}},
		{Name: "prod", Error: "reaching the cluster at https://x: refused", Services: []serviceReport{}},
	}}
	var out bytes.Buffer
	if err := writeStatusTable(&out, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"STAGING", "PROD", "staging      rev 3        2026-11-28 02:00:00", "prod         unreachable",
		"0123456789ab ", "missing", "Deployment.apps/ns/b drifted, gone", "prod: reaching the cluster",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "0123456789abc") {
		t.Errorf("table shows more than 12 digits of a digest:\n%s", out.String())
	}
}
