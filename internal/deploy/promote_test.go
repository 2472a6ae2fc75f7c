package deploy

import (
	"testing"

	"github.com/x-platform/x-platform/internal/deploy/release"
)

// TestPromoteToItself: promote needs two environments, refused as a
// configuration error before any cluster is asked.
func TestPromoteToItself(t *testing.T) {
	m := newPlatform(t, "reg.example/x", "x-staging", "a")
	e, err := Open(m, Target{Env: "staging"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Promote(t.Context(), e, nil)
	if out != nil || !IsConfigError(err) {
		t.Errorf("promote staging to staging: %+v %v, want a configuration error", out, err)
	}
}

// TestPromotedNeedsEveryService: a source release that does not run a
// service of the manifest is refused.
func TestPromotedNeedsEveryService(t *testing.T) {
	m := newPlatform(t, "reg.example/x", "x-staging", "a", "b")
	e, err := Open(m, Target{Env: "staging"})
	if err != nil {
		t.Fatal(err)
	}
	src := &release.Record{Revision: 4, Services: []release.Service{service("a", oldA)}}
	_, err = e.promoted("staging", src)
	if !IsUnhealthySource(err) || err.Error() != "not promoting staging revision 4, nothing was applied: it does not run b: deploy them to staging first" {
		t.Errorf("promoting a release without b: %v", err)
	}
}
