package gitsync

import "testing"

func TestSameRemote(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"/srv/git/x.git", "/srv/git/x.git", true},
		{"/srv/git/x.git", "file:///srv/git/x.git", true},
		{"/srv/git/x.git", "/srv/git/./x.git/", true},
		{"https://github.com/acme/x", "https://github.com/acme/x.git", true},
		{"https://user:pw@github.com/acme/x.git", "https://github.com/acme/x.git", true},
		{"https://GitHub.com/acme/x.git", "https://github.com/acme/x.git", true},
		{"git@github.com:acme/x.git", "ssh://git@github.com/acme/x.git", true},
		{"https://github.com/acme/x.git", "https://github.com/acme/y.git", false},
		{"https://github.com/acme/x.git", "ssh://git@github.com/acme/x.git", false},
		{"http://127.0.0.1:8080/x.git", "http://127.0.0.1:8081/x.git", false},
		{"/srv/git/x.git", "/srv/git/y.git", false},
		{"https://host:443/x.git", "https://host/x.git", true},
		{"ssh://git@host:2222/x.git", "git@host:x.git", false},
	}
	for _, tt := range tests {
		if got := sameRemote(tt.a, tt.b); got != tt.want {
			t.Errorf("sameRemote(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
