package gitauth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// isolate gives the test its own HOME and clears every variable a source
// reads, so the machine's own credentials never take part.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, k := range []string{"XP_GIT_USERNAME", "XP_GIT_PASSWORD", "XP_GIT_TOKEN", "XP_GIT_HOST", "NETRC",
		"XDG_CONFIG_HOME", "GITHUB_TOKEN", "GITHUB_SERVER_URL", "CI_JOB_TOKEN", "CI_SERVER_URL", "CI_SERVER_HOST",
		"GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"} {
		t.Setenv(k, "") // restores the value when the test ends
		os.Unsetenv(k)  // git takes an empty GIT_CONFIG_GLOBAL as "no file"
	}
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	return home
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestHTTPSources(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		files    map[string]string // relative to HOME
		origin   string
		user     string
		pass     string
		wantNone bool
	}{
		{name: "nothing", origin: "https://git.example.com", wantNone: true},
		{name: "XP pair for its host", origin: "https://git.example.com:8443",
			env:  map[string]string{"XP_GIT_HOST": "git.example.com:8443", "XP_GIT_TOKEN": "tok1"},
			user: "git", pass: "tok1"},
		{name: "XP pair not for another host", origin: "https://other.example.com",
			env: map[string]string{"XP_GIT_HOST": "git.example.com", "XP_GIT_TOKEN": "tok1"}, wantNone: true},
		{name: "XP pair for the http origin XP_GIT_HOST names", origin: "http://git.example.com:8080",
			env:  map[string]string{"XP_GIT_HOST": "http://git.example.com:8080", "XP_GIT_TOKEN": "tok1"},
			user: "git", pass: "tok1"},
		{name: "XP pair for an https origin, not its http one", origin: "http://git.example.com",
			env: map[string]string{"XP_GIT_HOST": "https://git.example.com", "XP_GIT_TOKEN": "tok1"}, wantNone: true},
		{name: "XP pair for an http origin, not on another port", origin: "http://git.example.com:8081",
			env: map[string]string{"XP_GIT_HOST": "http://git.example.com:8080", "XP_GIT_TOKEN": "tok1"}, wantNone: true},
		{name: "XP pair for an https origin by URL", origin: "https://git.example.com",
			env:  map[string]string{"XP_GIT_HOST": "https://git.example.com:443/", "XP_GIT_TOKEN": "tok1"},
			user: "git", pass: "tok1"},
		{name: "git-credentials by host and port", origin: "https://git.example.com:8443",
			files: map[string]string{".git-credentials": "https://a:wrong@git.example.com\nhttps://bob:p%40ss@git.example.com:8443\n"},
			user:  "bob", pass: "p@ss"},
		{name: "git-credentials not for another scheme", origin: "http://git.example.com",
			files: map[string]string{".git-credentials": "https://bob:pw@git.example.com\n"}, wantNone: true},
		{name: "netrc machine", origin: "https://git.example.com",
			files: map[string]string{".netrc": "machine other login x password y\nmachine git.example.com\n  login carol\n  password c4\ndefault login d password dd\n"},
			user:  "carol", pass: "c4"},
		{name: "netrc default", origin: "https://elsewhere.example.com",
			files: map[string]string{".netrc": "machine git.example.com login carol password c4\ndefault login d password dd\n"},
			user:  "d", pass: "dd"},
		{name: "GitHub token on github.com", origin: "https://github.com",
			env:  map[string]string{"GITHUB_TOKEN": "ghs_x"},
			user: "x-access-token", pass: "ghs_x"},
		{name: "GitHub token not on another host", origin: "https://gitlab.com",
			env: map[string]string{"GITHUB_TOKEN": "ghs_x"}, wantNone: true},
		{name: "GitHub Enterprise server", origin: "https://ghe.example.com",
			env:  map[string]string{"GITHUB_TOKEN": "ghs_x", "GITHUB_SERVER_URL": "https://ghe.example.com"},
			user: "x-access-token", pass: "ghs_x"},
		{name: "GitLab job token on its server", origin: "https://gitlab.example.com",
			env:  map[string]string{"CI_JOB_TOKEN": "job", "CI_SERVER_URL": "https://gitlab.example.com"},
			user: "gitlab-ci-token", pass: "job"},
		{name: "GitLab job token by CI_SERVER_HOST", origin: "https://gitlab.example.com",
			env:  map[string]string{"CI_JOB_TOKEN": "job", "CI_SERVER_HOST": "gitlab.example.com"},
			user: "gitlab-ci-token", pass: "job"},
		{name: "GitLab job token not on github.com", origin: "https://github.com",
			env: map[string]string{"CI_JOB_TOKEN": "job", "CI_SERVER_URL": "https://gitlab.example.com"}, wantNone: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := isolate(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			for name, content := range tt.files {
				write(t, filepath.Join(home, name), content)
			}
			o, ok := OriginOf(tt.origin)
			if !ok {
				t.Fatalf("OriginOf(%q) failed", tt.origin)
			}
			got, err := HTTP(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.wantNone && got != nil:
				t.Fatalf("HTTP(%s) = %s, want no credentials", o, got.Username)
			case !tt.wantNone && (got == nil || got.Username != tt.user || got.Password != tt.pass):
				t.Fatalf("HTTP(%s) = %+v, want %s / %s", o, got, tt.user, tt.pass)
			}
		})
	}
}

func TestHTTPUnscopedXPPairIsRefused(t *testing.T) {
	isolate(t)
	t.Setenv("XP_GIT_TOKEN", "tok-unscoped")
	_, err := HTTP(t.Context(), Origin{"https", "git.example.com"})
	if err == nil || !strings.Contains(err.Error(), "XP_GIT_HOST") || strings.Contains(err.Error(), "tok-unscoped") {
		t.Fatalf("HTTP with XP_GIT_TOKEN and no XP_GIT_HOST = %v, want an error naming XP_GIT_HOST", err)
	}
}

// TestHTTPXPPairNotOverPlainHTTP: a bare XP_GIT_HOST means https; the
// pair is never handed out for an http:// remote on that host, and the
// error says how to send it anyway without showing it.
func TestHTTPXPPairNotOverPlainHTTP(t *testing.T) {
	isolate(t)
	t.Setenv("XP_GIT_HOST", "git.example.com:8080")
	t.Setenv("XP_GIT_TOKEN", "tok-clear")
	got, err := HTTP(t.Context(), Origin{"http", "git.example.com:8080"})
	if got != nil || err == nil || !strings.Contains(err.Error(), "clear text") ||
		!strings.Contains(err.Error(), "XP_GIT_HOST=http://git.example.com:8080") || strings.Contains(err.Error(), "tok-clear") {
		t.Fatalf("HTTP over http with a bare XP_GIT_HOST = %+v, %v; want a refusal naming XP_GIT_HOST=http://…", got, err)
	}
	t.Setenv("XP_GIT_HOST", "ftp://git.example.com")
	if _, err := HTTP(t.Context(), Origin{"https", "git.example.com"}); err == nil || !strings.Contains(err.Error(), "XP_GIT_HOST=ftp://") {
		t.Fatalf("HTTP with XP_GIT_HOST of another scheme = %v, want an error naming it", err)
	}
}

// TestHTTPCredentialHelper runs the real git with a helper configured in
// the test HOME's .gitconfig; the helper answers only for its host.
func TestHTTPCredentialHelper(t *testing.T) {
	home := isolate(t)
	helper := filepath.Join(home, "helper.sh")
	write(t, helper, "#!/bin/sh\nwhile read -r l && [ -n \"$l\" ]; do case $l in host=git.example.com) ok=1;; esac; done\n"+
		"[ \"$1\" = get ] && [ -n \"$ok\" ] && printf 'username=helper-user\\npassword=helper-pass\\n'\nexit 0\n")
	if err := os.Chmod(helper, 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(home, ".gitconfig"), "[credential]\n\thelper = "+helper+"\n")

	got, err := HTTP(t.Context(), Origin{"https", "git.example.com"})
	if err != nil || got == nil || got.Username != "helper-user" || got.Password != "helper-pass" {
		t.Fatalf("HTTP through the helper = %+v, %v", got, err)
	}
	other, err := HTTP(t.Context(), Origin{"https", "other.example.com"})
	if err != nil || other != nil {
		t.Fatalf("HTTP for a host the helper does not know = %+v, %v; want nothing and no prompt", other, err)
	}
}
