package app

import (
	"strings"
	"testing"
)

// TestIntegrationRemoteSecretsOfAnyShapeStayHidden runs plan (JSON and
// text) and build -v against an https remote whose URL carries a secret in
// no format a scanner knows by sight: first as the user (a token the host
// refuses, so plan fails and says why), then as the password of a user the
// host accepts (plan and build succeed and log the remote).
func TestIntegrationRemoteSecretsOfAnyShapeStayHidden(t *testing.T) {
	const secret = "s3cr3t-t0ken-value"
	p := newPlatform(t, "svc")
	userEnv(t, t.TempDir())
	srv := p.remotes["svc"].ServeHTTPAuth(t, "ci", secret)
	for _, tt := range []struct {
		url  string
		code int
	}{
		{strings.Replace(srv.URL, "://", "://"+secret+"@", 1), ExitFailed},
		{strings.Replace(srv.URL, "://", "://ci:"+secret+"@", 1), ExitOK},
	} {
		p.urls["svc"] = tt.url
		p.writeManifest(nil)
		for _, run := range []struct {
			format string
			args   []string
		}{{"json", []string{"plan"}}, {"text", []string{"plan"}}, {"json", []string{"-v", "build"}}, {"text", []string{"-v", "sync"}}} {
			code, out, stderr := p.runOutput(t.Context(), run.format, run.args...)
			if code != tt.code {
				t.Fatalf("%v with %s: exit %d, want %d\n%s%s", run.args, tt.url, code, tt.code, out, stderr)
			}
			if strings.Contains(out+stderr, secret) {
				t.Fatalf("%v shows the secret:\nstdout: %s\nstderr: %s", run.args, out, stderr)
			}
			if code == ExitFailed && !strings.Contains(out, "authentication required") {
				t.Fatalf("%v report does not say why: %s", run.args, out)
			}
			if run.args[0] == "-v" && !strings.Contains(stderr, "REDACTED@") {
				t.Fatalf("%v -v log does not name the remote, masked:\n%s", run.args, stderr)
			}
		}
	}
}
