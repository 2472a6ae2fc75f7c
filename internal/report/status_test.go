package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestStatusHealthy(t *testing.T) {
	clean := StatusEnv{Name: "staging", Reachable: true, Services: []StatusService{{Name: "a", Flags: []string{}}}}
	drift := StatusEnv{Name: "prod", Reachable: true, Services: []StatusService{{Name: "a", Flags: []string{"drift", "behind"}}}}
	down := StatusEnv{Name: "prod", Error: "reaching the cluster: refused"}
	for _, tc := range []struct {
		name   string
		envs   []StatusEnv
		failOn []string
		ok     bool
	}{
		{"clean", []StatusEnv{clean}, []string{"drift"}, true},
		{"flags without --fail-on", []StatusEnv{clean, drift}, nil, true},
		{"drift asked for", []StatusEnv{clean, drift}, []string{"drift"}, false},
		{"behind asked for", []StatusEnv{drift}, []string{"missing", "behind"}, false},
		{"other flag asked for", []StatusEnv{drift}, []string{"missing"}, true},
		{"unreachable", []StatusEnv{clean, down}, nil, false},
	} {
		if got := (Status{Environments: tc.envs}).Healthy(tc.failOn); got != tc.ok {
			t.Errorf("%s: ok = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

func TestWriteStatusTable(t *testing.T) {
	at := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	r := Status{Environments: []StatusEnv{
		{Name: "staging", Reachable: true, Revision: 3, Time: &at, Services: []StatusService{
			{Name: "a", Running: "sha256:0123456789abcdef", Flags: []string{}},
			{Name: "b", Flags: []string{"missing"}},
		}, Drifted: []Drift{{Object: "Deployment.apps/ns/b", Gone: true}}},
		{Name: "prod", Error: "reaching the cluster at https://x: refused", Services: []StatusService{}},
	}}
	var out bytes.Buffer
	if err := WriteStatusTable(&out, r); err != nil {
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
