package gitsync

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

// httpEnv gives the test its own HOME and no credentials from the machine.
func httpEnv(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, k := range []string{"XP_GIT_USERNAME", "XP_GIT_PASSWORD", "XP_GIT_TOKEN", "XP_GIT_HOST", "NETRC",
		"XDG_CONFIG_HOME", "GITHUB_TOKEN", "CI_JOB_TOKEN", "GIT_CONFIG_GLOBAL"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	return home
}

// TestIntegrationHTTPCredentialsPerHost fetches from a host that requires a
// token and from one that does not, with the token in each place git users
// keep it; the second host must never see it.
func TestIntegrationHTTPCredentialsPerHost(t *testing.T) {
	const token = "tok-0123456789"
	helper := "#!/bin/sh\nwhile read -r l && [ -n \"$l\" ]; do case $l in host=%s) ok=1;; esac; done\n" +
		"[ \"$1\" = get ] && [ -n \"$ok\" ] && printf 'username=ci\\npassword=%s\\n'\nexit 0\n"
	tests := []struct {
		name string
		// setup writes the credentials for the origin of private, given as
		// scheme://host:port, into home.
		setup func(t *testing.T, home, origin string)
		// host rewrites 127.0.0.1 in the private URL (netrc names hosts
		// without ports, so the other server must be another name).
		host string
	}{
		{name: "git-credentials", setup: func(t *testing.T, home, origin string) {
			writeHome(t, home, map[string]string{".git-credentials": strings.Replace(origin, "://", "://ci:"+token+"@", 1) + "\n"})
		}},
		{name: "netrc", host: "localhost", setup: func(t *testing.T, home, origin string) {
			writeHome(t, home, map[string]string{".netrc": "machine localhost\n  login ci\n  password " + token + "\n"})
		}},
		{name: "credential helper", setup: func(t *testing.T, home, origin string) {
			hostPort := strings.TrimPrefix(origin, "http://")
			writeHome(t, home, map[string]string{
				"helper.sh":  fmt.Sprintf(helper, hostPort, token),
				".gitconfig": "[credential]\n\thelper = " + filepath.Join(home, "helper.sh") + "\n",
			})
			if err := os.Chmod(filepath.Join(home, "helper.sh"), 0o700); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "XP_GIT_TOKEN with XP_GIT_HOST", setup: func(t *testing.T, home, origin string) {
			t.Setenv("XP_GIT_USERNAME", "ci")
			t.Setenv("XP_GIT_TOKEN", token)
			t.Setenv("XP_GIT_HOST", origin) // an http origin must be named with its scheme
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := httpEnv(t)
			priv := testenv.NewRemote(t, map[string]string{"a.txt": "private\n"})
			open := testenv.NewRemote(t, map[string]string{"a.txt": "open\n"})
			privSrv := priv.ServeHTTPAuth(t, "ci", token)
			openSrv := open.ServeHTTPAuth(t, "", "")
			privURL := privSrv.URL
			if tt.host != "" {
				privURL = strings.Replace(privURL, "127.0.0.1", tt.host, 1)
			}
			origin := privURL[:strings.Index(privURL[len("http://"):], "/")+len("http://")]
			tt.setup(t, home, origin)

			if _, err := LsRemote(t.Context(), openSrv.URL); err != nil {
				t.Fatalf("LsRemote of the open host: %v", err)
			}
			res := mustSync(t, Request{Remote: privURL, Dir: checkoutDir(t), Reference: "origin/master"})
			if res.Commit != priv.Head(t, "master") {
				t.Fatalf("Sync of the private host = %+v", res)
			}
			mustSync(t, Request{Remote: openSrv.URL, Dir: checkoutDir(t), Reference: "origin/master"})

			if seen := privSrv.Seen(); !contains(seen, "ci:"+token) {
				t.Errorf("the private host saw %q, want the token", seen)
			}
			for _, s := range openSrv.Seen() {
				if s != "" {
					t.Fatalf("the other host received credentials %q", s)
				}
			}
		})
	}
}

// TestIntegrationHTTPRefusedTokenIsRedacted checks that a rejected token,
// in the URL's user or password, never shows in the error.
func TestIntegrationHTTPRefusedTokenIsRedacted(t *testing.T) {
	httpEnv(t)
	r := testenv.NewRemote(t, map[string]string{"a.txt": "a\n"})
	srv := r.ServeHTTPAuth(t, "ci", "the-right-one")
	for _, url := range []string{
		strings.Replace(srv.URL, "://", "://ghp_0123456789abcdefghijklmn@", 1),
		strings.Replace(srv.URL, "://", "://ci:wrong-secret-value@", 1),
	} {
		_, err := LsRemote(t.Context(), url)
		if err == nil || !strings.Contains(err.Error(), "authentication required") || !strings.Contains(err.Error(), "~/.git-credentials") {
			t.Fatalf("LsRemote with a wrong token = %v, want authentication required", err)
		}
		_, err2 := Sync(t.Context(), Request{Remote: url, Dir: checkoutDir(t), Reference: "origin/master"})
		for _, e := range []error{err, err2} {
			if e == nil || strings.Contains(e.Error(), "ghp_0123456789") || strings.Contains(e.Error(), "wrong-secret-value") {
				t.Fatalf("error shows the token: %v", e)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
