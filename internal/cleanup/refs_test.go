package cleanup

import (
	"testing"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/retention"
)

func TestRefIn(t *testing.T) {
	const d = "sha256:0000000000000000000000000000000000000000000000000000000000000001"
	tests := []struct {
		registry, ref, digest string
		want                  retention.Ref
		ok                    bool
	}{
		{"reg:5000", "reg:5000/a:abc", d, retention.Ref{Repository: "a", Tag: "abc", Digest: d}, true},
		{"reg:5000", "reg:5000/team/a@" + d, "", retention.Ref{Repository: "team/a", Digest: d}, true},
		{"reg:5000", "reg:5000/a:v1@" + d, "", retention.Ref{Repository: "a", Tag: "v1", Digest: d}, true},
		{"reg:5000", "reg:5000/a", "", retention.Ref{Repository: "a"}, true},
		{"reg:5000", "other:5000/a:v1", "", retention.Ref{}, false},
		{"reg:5000", "reg:50001/a:v1", "", retention.Ref{}, false},
		{"", "a:v1", "", retention.Ref{Repository: "a", Tag: "v1"}, true},
	}
	for _, tt := range tests {
		got, ok := refIn(tt.registry, image.Cut(tt.ref), tt.digest)
		if got != tt.want || ok != tt.ok {
			t.Errorf("refIn(%q, %q, %q) = %+v, %v; want %+v, %v", tt.registry, tt.ref, tt.digest, got, ok, tt.want, tt.ok)
		}
	}
}
