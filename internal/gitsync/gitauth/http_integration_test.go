package gitauth_test

import (
	"os"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationXPPairNotSentOverHTTP asks a real git server over plain
// http for refs with XP_GIT_HOST naming its host: the listing is refused
// and the server never sees the token, until XP_GIT_HOST names the http
// origin itself.
func TestIntegrationXPPairNotSentOverHTTP(t *testing.T) {
	const token = "tok-plain-0123456789"
	t.Setenv("HOME", t.TempDir())
	for _, k := range []string{"XP_GIT_PASSWORD", "NETRC", "XDG_CONFIG_HOME", "GITHUB_TOKEN", "CI_JOB_TOKEN", "GIT_CONFIG_GLOBAL"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	r := testenv.NewRemote(t, map[string]string{"a.txt": "a\n"})
	srv := r.ServeHTTPAuth(t, "ci", token)
	origin := srv.URL[:strings.Index(srv.URL[len("http://"):], "/")+len("http://")]
	t.Setenv("XP_GIT_USERNAME", "ci")
	t.Setenv("XP_GIT_TOKEN", token)
	t.Setenv("XP_GIT_HOST", strings.TrimPrefix(origin, "http://"))

	_, err := gitsync.LsRemote(t.Context(), srv.URL)
	if err == nil || !strings.Contains(err.Error(), "clear text") || strings.Contains(err.Error(), token) {
		t.Fatalf("LsRemote over http with XP_GIT_HOST=host:port = %v, want a refusal", err)
	}
	for _, s := range srv.Seen() {
		if strings.Contains(s, token) {
			t.Fatalf("the http server received the token: %q", srv.Seen())
		}
	}

	t.Setenv("XP_GIT_HOST", origin)
	refs, err := gitsync.LsRemote(t.Context(), srv.URL)
	if err != nil || refs["refs/heads/master"] != r.Head(t, "master") {
		t.Fatalf("LsRemote with XP_GIT_HOST=%s = %v, %v", origin, refs, err)
	}
	found := false
	for _, s := range srv.Seen() {
		found = found || s == "ci:"+token
	}
	if !found {
		t.Errorf("with XP_GIT_HOST naming the http origin, the server saw %q, want the token", srv.Seen())
	}
}
