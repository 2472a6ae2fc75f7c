package gitsync

import (
	"errors"
	"testing"
)

// TestIsAncestor walks a history with a branch: main has a and b, topic
// forks from a with c.
func TestIsAncestor(t *testing.T) {
	dir := t.TempDir()
	gitOut(t, dir, "init", "-q", "-b", "main")
	commit := func(name string) string {
		put(t, dir, name, name)
		gitOut(t, dir, "add", name)
		gitOut(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", name)
		return gitOut(t, dir, "rev-parse", "HEAD")
	}
	a := commit("a")
	b := commit("b")
	gitOut(t, dir, "checkout", "-q", "-b", "topic", a)
	c := commit("c")
	tests := []struct {
		ancestor, descendant string
		want                 bool
	}{
		{a, b, true},
		{a, c, true},
		{b, b, true},
		{b, a, false},
		{b, c, false},
		{c, b, false},
	}
	for _, tt := range tests {
		got, err := IsAncestor(dir, tt.ancestor, tt.descendant)
		if err != nil || got != tt.want {
			t.Errorf("IsAncestor(%.7s, %.7s) = %v, %v; want %v", tt.ancestor, tt.descendant, got, err, tt.want)
		}
	}
	unknown := "0123456789abcdef0123456789abcdef01234567"
	if _, err := IsAncestor(dir, unknown, b); !errors.Is(err, ErrUnknownCommit) {
		t.Errorf("IsAncestor of a commit never fetched: %v, want ErrUnknownCommit", err)
	}
}
