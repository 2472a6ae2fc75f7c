package gitsync

import (
	"testing"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

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

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:secret@host/x.git", "https://user:xxxxx@host/x.git"},
		{"https://host/x.git", "https://host/x.git"},
		{"git@host:x.git", "git@host:x.git"},
		{"/srv/x.git", "/srv/x.git"},
	}
	for _, tt := range tests {
		if got := redact(tt.in); got != tt.want {
			t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAuth(t *testing.T) {
	tests := []struct {
		name   string
		remote string
		env    map[string]string
		want   *githttp.BasicAuth
	}{
		{"no env", "https://host/x.git", nil, nil},
		{"user and password", "https://host/x.git",
			map[string]string{"XP_GIT_USERNAME": "ci", "XP_GIT_PASSWORD": "pw"}, &githttp.BasicAuth{Username: "ci", Password: "pw"}},
		{"token only", "http://host/x.git",
			map[string]string{"XP_GIT_TOKEN": "tok"}, &githttp.BasicAuth{Username: "git", Password: "tok"}},
		{"password wins over token", "https://host/x.git",
			map[string]string{"XP_GIT_PASSWORD": "pw", "XP_GIT_TOKEN": "tok"}, &githttp.BasicAuth{Username: "git", Password: "pw"}},
		{"ssh keeps defaults", "git@host:x.git", map[string]string{"XP_GIT_TOKEN": "tok"}, nil},
		{"local path", "/srv/x.git", map[string]string{"XP_GIT_TOKEN": "tok"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := auth(tt.remote, func(k string) string { return tt.env[k] })
			if tt.want == nil {
				if got != nil {
					t.Errorf("auth = %v, want nil", got)
				}
				return
			}
			b, ok := got.(*githttp.BasicAuth)
			if !ok || *b != *tt.want {
				t.Errorf("auth = %#v, want %#v", got, tt.want)
			}
		})
	}
}
