package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationPreviewOneSSHSession deploys a preview of a branch from
// remotes on an ssh server, on a machine with no checkout, as a CI agent
// does: listing each remote's branches and building the branch's service
// open one session per repository; so does a second preview once the
// branch moved.
func TestIntegrationPreviewOneSSHSession(t *testing.T) {
	v := newPreviews(t, "zfront", "zback")
	front, back := v.remotes["zfront"], v.remotes["zback"]
	head := front.Commit(t, "feature/x", map[string]string{"README.md": "on the branch\n"}, "a change on the branch")
	v.pushRandom("zback", back.Head(t, "master"))

	d := testenv.StartSSHD(t, testenv.LogSessions)
	userEnv(t, testenv.SSHHome(t, d, "gitserver"))
	path := filepath.Join(v.root, "x-platform.yml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := string(b)
	for _, r := range []*testenv.Remote{front, back} {
		m = strings.ReplaceAll(m, r.URL, d.URL("gitserver", r))
	}
	writeFile(t, path, m)

	want := func(step string) {
		t.Helper()
		log := d.Sessions(t)
		for name, r := range map[string]*testenv.Remote{"zfront": front, "zback": back} {
			if got := log.Started[r.Dir]; got != 1 {
				t.Errorf("%s: %d sessions for %s, want 1 (%v)", step, got, name, log.Started)
			}
		}
	}
	r := v.deploy("feature/x")
	if !r.OK || len(r.Services) != 2 {
		t.Fatalf("deploy --preview feature/x: %+v", r)
	}
	for _, s := range r.Services {
		if s.Name == "zfront" && s.Commit != head {
			t.Errorf("zfront deployed at %s, want the branch head %s", s.Commit, head)
		}
	}
	want("first preview, no checkout")

	next := front.Commit(t, "feature/x", map[string]string{"README.md": "moved\n"}, "the branch moves")
	d.ResetSessions(t)
	r = v.deploy("feature/x")
	for _, s := range r.Services {
		if s.Name == "zfront" && s.Commit != next {
			t.Errorf("zfront redeployed at %s, want the moved branch head %s", s.Commit, next)
		}
	}
	want("second preview, the branch moved")
}
