package docker

import (
	"strings"
	"testing"
)

func TestLabelStage(t *testing.T) {
	df := []byte("ARG BASE\nFROM ${BASE} AS base\nRUN x\nfrom base as Final\nRUN y\nFROM base AS broken\nRUN exit 9")
	tests := []struct {
		target, want, wantTarget string
		labels                   map[string]string
	}{
		{
			labels: map[string]string{"b": `say "hi" $HOME \ ok`, "a": "1"},
			want:   "ARG BASE\nFROM ${BASE} AS base\nRUN x\nfrom base as Final\nRUN y\nFROM base AS broken\nRUN exit 9\nLABEL \"a\"=\"1\" \"b\"=\"say \\\"hi\\\" \\$HOME \\\\ ok\"\n",
		},
		{
			target: "final", labels: map[string]string{"a": "1"}, wantTarget: "x-platform-labelled",
			want: "ARG BASE\nFROM ${BASE} AS base\nRUN x\nfrom base as Final\nRUN y\nFROM final AS x-platform-labelled\nLABEL \"a\"=\"1\"\nFROM base AS broken\nRUN exit 9",
		},
		{
			target: "broken", labels: map[string]string{"a": "1"}, wantTarget: "x-platform-labelled",
			want: "ARG BASE\nFROM ${BASE} AS base\nRUN x\nfrom base as Final\nRUN y\nFROM base AS broken\nRUN exit 9\nFROM broken AS x-platform-labelled\nLABEL \"a\"=\"1\"\n",
		},
	}
	for _, tt := range tests {
		got, target, err := labelStage(df, tt.labels, tt.target)
		if err != nil || string(got) != tt.want || target != tt.wantTarget {
			t.Errorf("labelStage(target %q) = %q, %q, %v\nwant %q, %q", tt.target, got, target, err, tt.want, tt.wantTarget)
		}
	}
	if _, _, err := labelStage(df, map[string]string{"a": "1"}, "nope"); err == nil || !strings.Contains(err.Error(), `no stage named "nope"`) {
		t.Fatalf("unknown target: %v", err)
	}
}
