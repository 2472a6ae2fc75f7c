package sshmux

import "testing"

func TestShellQuote(t *testing.T) {
	tests := map[string]string{
		"/srv/git/x.git": `'/srv/git/x.git'`,
		"it's.git":       `'it'\''s.git'`,
		"wow!.git":       `'wow'\!'.git'`,
		"a b/$(rm -rf)":  `'a b/$(rm -rf)'`,
	}
	for in, want := range tests {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
