package docker

import (
	"strings"
	"testing"
)

func TestMarkerFilter(t *testing.T) {
	tests := []struct {
		name, in, out string
		index         int
	}{
		{name: "no failure", in: "a\n\nb\n", out: "a\n\nb\n"},
		{name: "failure after a full line", in: "oops\n\nMARK 2\n", out: "oops\n", index: 2},
		{name: "failure after a partial line", in: "oops\nMARK 3\n", out: "oops\n", index: 3},
		{name: "marker-like user text", in: "MARK x\nMARKER 1\n", out: "MARK x\nMARKER 1\n"},
		{name: "unterminated tail", in: "a\nb", out: "a\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			f := &markerFilter{dst: &out, marker: "MARK"}
			// Feed one byte at a time: the stream may split lines anywhere.
			for i := range len(tt.in) {
				if _, err := f.Write([]byte{tt.in[i]}); err != nil {
					t.Fatal(err)
				}
			}
			f.flush()
			if out.String() != tt.out || f.index != tt.index {
				t.Fatalf("got %q index %d, want %q index %d", out.String(), f.index, tt.out, tt.index)
			}
		})
	}
}
