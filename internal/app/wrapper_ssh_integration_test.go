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

// TestIntegrationWrapperSSH builds through bin/x-platform and the
// orchestrator's image from a remote reached over ssh: the Host alias, its
// IdentityFile and known_hosts come from the caller's ~/.ssh (a test HOME),
// which the wrapper mounts; then from a deploy key named by
// GIT_SSH_COMMAND and known_hosts named by SSH_KNOWN_HOSTS.
func TestIntegrationWrapperSSH(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: building the orchestrator image takes minutes")
	}
	img := orchestratorImage(t)
	d := testenv.StartSSHD(t)
	p := newPlatform(t, "svc")
	home := testenv.SSHHome(t, d, "gitserver")
	userEnv(t, home)
	p.urls["svc"] = d.URL("gitserver", p.remotes["svc"])
	p.writeManifest(nil)
	w := installWrapper(t, p.root, img)
	xp := func(wantCode int, env []string, args ...string) report.Report {
		t.Helper()
		r, _ := w.runJSON(t, wantCode, env, args...)
		return r
	}

	sha := p.remotes["svc"].Head(t, "master")
	if r := xp(ExitOK, nil, "build"); r.Services[0].Action != report.ActionBuilt || r.Services[0].Commit != sha {
		t.Fatalf("build over ssh through the wrapper = %+v", r.Services)
	}

	// A deploy key and known_hosts outside ~/.ssh, as CI jobs have them.
	ci := t.TempDir()
	key := filepath.Join(ci, "deploy_key")
	d.Authorize(t, testenv.WriteSSHKey(t, key, "").PublicKey())
	writeFile(t, filepath.Join(ci, "known_hosts"), d.KnownHostsLine()+"\n")
	if err := os.RemoveAll(filepath.Join(home, ".ssh")); err != nil {
		t.Fatal(err)
	}
	sha = p.remotes["svc"].Commit(t, "master", map[string]string{"x.txt": "x\n"}, "moves on")
	// Another spelling of the remote is another checkout.
	p.urls["svc"] = fmt.Sprintf("ssh://%s@%s:%d%s", d.User, d.Host, d.Port, p.remotes["svc"].Dir)
	p.writeManifest(func(_ string, svc map[string]string) { svc["dir"] = "src/svc-ci" })
	env := []string{"GIT_SSH_COMMAND=ssh -i " + key, "SSH_KNOWN_HOSTS=" + filepath.Join(ci, "known_hosts")}
	if r := xp(ExitOK, env, "sync"); r.Services[0].Commit != sha {
		t.Fatalf("sync with GIT_SSH_COMMAND's key through the wrapper = %+v", r.Services)
	}

	// Without known_hosts the host is refused, by name, with the line to run.
	r := xp(ExitFailed, env[:1], "sync")
	if !strings.Contains(r.Services[0].Error, "is not known") || !strings.Contains(r.Services[0].Error, "ssh-keyscan -p") {
		t.Fatalf("unknown host through the wrapper = %+v", r.Services)
	}
}
