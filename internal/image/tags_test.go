package image

import (
	"strings"
	"testing"
)

func TestTags(t *testing.T) {
	sha := strings.Repeat("a1", 20)
	byBranch := NewTags(sha, "k1", "origin/feature/x", false)
	if got, want := strings.Join(byBranch.Image(), " "), sha+" key-k1 feature-x"; got != want {
		t.Errorf("tags of a branch build = %q, want %q", got, want)
	}
	if got, want := strings.Join(NewTags(sha, "k1", sha, true).Image(), " "), sha+" key-k1"; got != want {
		t.Errorf("tags of a SHA pin = %q, want %q", got, want)
	}
	if byBranch.Cache() != "buildcache" {
		t.Errorf("cache tag = %q", byBranch.Cache())
	}
	local := LocalTag(strings.Repeat("cd", 32))
	if local != "dirty-cdcdcdcdcdcdcdcd" || !IsLocalTag(local) {
		t.Errorf("LocalTag = %q", local)
	}
	for tag, want := range map[string]bool{
		sha: true, "key-k1": true, local: true, "buildcache": true,
		"feature-x": false, "latest": false, sha[:12]: false, strings.ToUpper(sha): false,
	} {
		if got := Written(tag); got != want {
			t.Errorf("Written(%q) = %v, want %v", tag, got, want)
		}
	}
}
