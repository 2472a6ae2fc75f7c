package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// userEnv gives the test its own HOME and Docker configuration and clears
// the ssh and git variables of the machine, so only what the test writes
// takes part.
func userEnv(t *testing.T, home string) {
	t.Helper()
	t.Setenv("HOME", home)
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	for _, k := range []string{"SSH_AUTH_SOCK", "SSH_KNOWN_HOSTS", "GIT_SSH_COMMAND",
		"XP_GIT_USERNAME", "XP_GIT_PASSWORD", "XP_GIT_TOKEN", "XP_GIT_HOST", "GITHUB_TOKEN", "CI_JOB_TOKEN", "NETRC"} {
		t.Setenv(k, "")
	}
}

// TestIntegrationBuildOverSSH builds a service whose remote is reached
// through a Host alias of ~/.ssh/config, with its IdentityFile and no agent,
// then refuses the same host once its key is no longer known.
func TestIntegrationBuildOverSSH(t *testing.T) {
	d := testenv.StartSSHD(t)
	p := newPlatform(t, "svc")
	home := testenv.SSHHome(t, d, "gitserver")
	userEnv(t, home)
	p.urls["svc"] = d.URL("gitserver", p.remotes["svc"])
	p.writeManifest(nil)

	sha := p.remotes["svc"].Head(t, "master")
	if r := p.build(ExitOK)["svc"]; r.Action != report.ActionBuilt || r.Commit != sha {
		t.Fatalf("build over ssh = %+v, want built at %s", r, sha)
	}
	if got := p.fileInImage(p.ref("svc", sha), "/out.txt"); got != "built-"+sha {
		t.Fatalf("/out.txt = %q", got)
	}
	if r := p.build(ExitOK)["svc"]; r.Action != report.ActionPresent {
		t.Fatalf("second build over ssh = %+v, want present", r)
	}
	code, r, stderr := p.run(t.Context(), "plan")
	if code != ExitOK || r.Services[0].Action != report.ActionPresent {
		t.Fatalf("plan over ssh: exit %d, %+v\n%s", code, r.Services, stderr)
	}

	// The host's key is forgotten: the run stops for that service, exit 1,
	// and says which line to run.
	if err := os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p.remotes["svc"].Commit(t, "master", map[string]string{"x.txt": "x\n"}, "moves on")
	res := p.build(ExitFailed)["svc"]
	scan := fmt.Sprintf("ssh-keyscan -p %d %s >> ~/.ssh/known_hosts", d.Port, d.Host)
	if res.Action != report.ActionFailed || !strings.Contains(res.Error, "host key of gitserver") || !strings.Contains(res.Error, scan) {
		t.Fatalf("build with an unknown host key = %+v, want a refusal with %q", res, scan)
	}
}

// TestIntegrationRemoteTokensStayHidden runs plan and build -v against an
// https remote whose URL carries a token the host refuses: neither the
// report nor the log may show it.
func TestIntegrationRemoteTokensStayHidden(t *testing.T) {
	p := newPlatform(t, "svc")
	userEnv(t, t.TempDir())
	srv := p.remotes["svc"].ServeHTTPAuth(t, "ci", "the-right-one")
	const token = "ghp_0123456789abcdefghijklmnopqrstuv"
	for i, url := range []string{
		strings.Replace(srv.URL, "://", "://"+token+"@", 1),
		strings.Replace(srv.URL, "://", "://ci:"+token+"@", 1),
		srv.URL + "?private_token=" + token, // go-git cannot use it, but must not print it
	} {
		p.urls["svc"] = url
		p.writeManifest(nil)
		for _, args := range [][]string{{"plan"}, {"-v", "build"}, {"-v", "sync"}} {
			code, out, stderr := p.runOutput(t.Context(), "json", args...)
			if code != ExitFailed {
				t.Fatalf("%v with a refused token: exit %d, want %d\n%s", args, code, ExitFailed, stderr)
			}
			if strings.Contains(out+stderr, token) {
				t.Fatalf("%v shows the token:\nstdout: %s\nstderr: %s", args, out, stderr)
			}
			if i < 2 && !strings.Contains(out, "authentication required") {
				t.Fatalf("%v report does not say why: %s", args, out)
			}
		}
	}
}

// TestIntegrationBuildHTTPSCredentialsPerHost builds two services whose
// remotes are on two hosts, the first requiring a token kept in
// ~/.git-credentials: the second host never receives it.
func TestIntegrationBuildHTTPCredentialsPerHost(t *testing.T) {
	p := newPlatform(t, "private", "public")
	home := t.TempDir()
	userEnv(t, home)
	const token = "tok-private-0123"
	priv := p.remotes["private"].ServeHTTPAuth(t, "ci", token)
	pub := p.remotes["public"].ServeHTTPAuth(t, "", "")
	p.urls["private"], p.urls["public"] = priv.URL, pub.URL
	p.writeManifest(nil)
	origin := strings.TrimSuffix(priv.URL, "/remote.git")
	writeFile(t, filepath.Join(home, ".git-credentials"), strings.Replace(origin, "://", "://ci:"+token+"@", 1)+"\n")

	for name, r := range p.build(ExitOK) {
		if r.Action != report.ActionBuilt {
			t.Fatalf("%s = %+v, want built", name, r)
		}
	}
	if seen := priv.Seen(); !strings.Contains(strings.Join(seen, " "), "ci:"+token) {
		t.Fatalf("the private host saw %q", seen)
	}
	for _, s := range pub.Seen() {
		if s != "" {
			t.Fatalf("the public host received credentials %q", s)
		}
	}
}
