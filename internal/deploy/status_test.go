package deploy

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
)

func TestDifferences(t *testing.T) {
	for _, tc := range []struct {
		name      string
		want, got map[string]any
		diff      []string
	}{
		{"defaults added live", map[string]any{"spec": map[string]any{"replicas": int64(2)}},
			map[string]any{"spec": map[string]any{"replicas": int64(2), "strategy": "RollingUpdate"}, "status": map[string]any{}}, nil},
		{"numbers typed apart", map[string]any{"n": float64(2)}, map[string]any{"n": int64(2)}, nil},
		{"replicas changed", map[string]any{"spec": map[string]any{"replicas": int64(2)}},
			map[string]any{"spec": map[string]any{"replicas": int64(5)}}, []string{".spec.replicas"}},
		{"list item changed", map[string]any{"c": []any{map[string]any{"image": "x"}}},
			map[string]any{"c": []any{map[string]any{"image": "y", "extra": true}}}, []string{".c[0].image"}},
		{"list grew", map[string]any{"c": []any{"x"}}, map[string]any{"c": []any{"x", "y"}}, []string{".c"}},
		{"field gone", map[string]any{"a": "x", "b": nil}, map[string]any{}, []string{".a"}},
		{"stringData never reads back", map[string]any{"stringData": map[string]any{"k": "v"}}, map[string]any{"data": map[string]any{"k": "dg=="}}, nil},
	} {
		if got := differences(tc.want, tc.got, ""); !slices.Equal(got, tc.diff) {
			t.Errorf("%s: differences = %v, want %v", tc.name, got, tc.diff)
		}
	}
}

func TestServiceStatusFlags(t *testing.T) {
	s := &manifest.Service{Name: "a", Git: manifest.Git{Reference: "origin/main"}}
	rec := &release.Record{Services: []release.Service{{Name: "a", Commit: "c1", Image: image.Cut("reg/a:c1"), Digest: "sha256:1"}}}
	pinOld := Version{Service: release.Service{Commit: "c1", Digest: "sha256:1"}}
	pinNew := Version{Service: release.Service{Commit: "c2", Digest: "sha256:2"}}
	pinOlder := Version{Service: release.Service{Commit: "c0", Digest: "sha256:0"}}
	pinApart := Version{Service: release.Service{Commit: "x1", Digest: "sha256:3"}}
	pinUnread := Version{Service: release.Service{Commit: "u1", Digest: "sha256:4"}}
	// c0 → c1 → c2 on one line; x1 on another; u1 never fetched.
	history := func(a, d string) (bool, error) {
		if a == "u1" || d == "u1" {
			return false, errors.New("commit not in the checkout")
		}
		line := "c0 c1 c2"
		return strings.Contains(line, a) && strings.Contains(line, d) && a <= d, nil
	}
	gone := []ObjectDrift{{repos: map[string]bool{"reg/a": true}, Gone: true}}
	for _, tc := range []struct {
		name    string
		rec     *release.Record
		pin     Version
		running map[string][]string
		drift   []ObjectDrift
		flags   []string
		warning string
	}{
		{"clean", rec, pinOld, map[string][]string{"reg/a": {"sha256:1"}}, nil, nil, ""},
		{"never released", nil, pinOld, nil, nil, []string{FlagMissing}, ""},
		{"not in the release", &release.Record{}, pinOld, nil, nil, []string{FlagMissing}, ""},
		{"no workload runs it", rec, pinOld, map[string][]string{"reg/b": {"sha256:1"}}, gone, []string{FlagMissing}, ""},
		{"another digest runs", rec, pinOld, map[string][]string{"reg/a": {"sha256:9"}}, nil, []string{FlagDrift}, ""},
		{"two digests run", rec, pinOld, map[string][]string{"reg/a": {"sha256:1", "sha256:9"}}, nil, []string{FlagDrift}, ""},
		{"its object drifted", rec, pinOld, map[string][]string{"reg/a": {"sha256:1"}}, []ObjectDrift{{repos: map[string]bool{"reg/a": true}}}, []string{FlagDrift}, ""},
		{"another's object drifted", rec, pinOld, map[string][]string{"reg/a": {"sha256:1"}}, []ObjectDrift{{repos: map[string]bool{"reg/b": true}}}, nil, ""},
		{"newer pin", rec, pinNew, map[string][]string{"reg/a": {"sha256:1"}}, nil, []string{FlagBehind}, ""},
		{"older pin", rec, pinOlder, map[string][]string{"reg/a": {"sha256:1"}}, nil, nil, "ahead of its reference or apart"},
		{"pin on another line", rec, pinApart, map[string][]string{"reg/a": {"sha256:1"}}, nil, nil, "ahead of its reference or apart"},
		{"history unread", rec, pinUnread, map[string][]string{"reg/a": {"sha256:1"}}, nil, []string{FlagBehind}, "could not be read: commit not in the checkout"},
		{"no pin", rec, Version{}, map[string][]string{"reg/a": {"sha256:1"}}, nil, nil, ""},
		{"from a working folder", &release.Record{Services: []release.Service{{Name: "a", Commit: "dirty-0123", Reference: "local:/home/dev/a", Image: image.Cut("reg/a:dirty-0123"), Digest: "sha256:1"}}},
			Version{}, map[string][]string{"reg/a": {"sha256:1"}}, nil, []string{FlagLocal}, ""},
		{"from a working folder, a commit pinned", &release.Record{Services: []release.Service{{Name: "a", Commit: "dirty-0123", Reference: "local:/home/dev/a", Image: image.Cut("reg/a:dirty-0123"), Digest: "sha256:1"}}},
			pinNew, map[string][]string{"reg/a": {"sha256:1"}}, nil, []string{FlagLocal}, ""},
	} {
		got, warning := serviceStatus(s, tc.rec, tc.pin, tc.running, tc.drift, history)
		if !slices.Equal(got.Flags, tc.flags) {
			t.Errorf("%s: flags %v, want %v", tc.name, got.Flags, tc.flags)
		}
		if tc.warning == "" && warning != "" || !strings.Contains(warning, tc.warning) {
			t.Errorf("%s: warning %q, want one with %q", tc.name, warning, tc.warning)
		}
	}
}
