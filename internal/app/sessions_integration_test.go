package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// sshPlatform is a platform whose remotes are all on one ssh server: a
// monorepo of two services sharing a checkout (api, web), a repository of
// its own (solo), and one repository checked out twice (twin1, twin2).
func sshPlatform(t *testing.T) (*platform, *testenv.SSHD, map[string]*testenv.Remote) {
	t.Helper()
	d := testenv.StartSSHD(t, testenv.LogSessions)
	// Each session waits on the server, so that sessions overlap as they
	// do on a server whose account reads a slow ~/.bashrc.
	d.SetSessionDelay(t, 100*time.Millisecond)
	p, mono := newMonorepo(t)
	solo, twin := testenv.NewRemote(t, serviceFiles("solo")), testenv.NewRemote(t, serviceFiles("twin"))
	p.remotes["solo"], p.remotes["twin1"], p.remotes["twin2"] = solo, twin, twin
	userEnv(t, testenv.SSHHome(t, d, "gitserver"))
	for name, r := range p.remotes {
		p.urls[name] = d.URL("gitserver", r)
	}
	p.writeManifest(func(name string, svc map[string]string) {
		if name == "api" || name == "web" {
			svc["dir"], svc["path"] = "src/mono", "services/"+name
		}
	})
	return p, d, map[string]*testenv.Remote{"mono": mono, "solo": solo, "twin": twin}
}

// sessionsOf runs x-platform with args and checks the sessions it opened
// on the server: want per repository (by name in repos), none elsewhere.
func sessionsOf(t *testing.T, p *platform, d *testenv.SSHD, repos map[string]*testenv.Remote, want map[string]int, args ...string) (int, report.Report, string) {
	t.Helper()
	d.ResetSessions(t)
	code, r, stderr := p.run(t.Context(), args...)
	log := d.Sessions(t)
	for name, repo := range repos {
		if got := log.Started[repo.Dir]; got != want[name] {
			t.Errorf("%s: %d sessions for %s, want %d (exit %d)\n%s", strings.Join(args, " "), got, name, want[name], code, stderr)
		}
	}
	if total := log.Total(); total != want["mono"]+want["solo"]+want["twin"] {
		t.Errorf("%s: %d sessions in all: %v", strings.Join(args, " "), total, log.Started)
	}
	return code, r, stderr
}

// TestIntegrationOneSSHSessionPerRepository counts, on the ssh server, the
// sessions each command that asks remotes opens: one per repository per
// run, whether the checkout is cloned, up to date or moves, and however
// many services or checkouts share the repository.
func TestIntegrationOneSSHSessionPerRepository(t *testing.T) {
	p, d, repos := sshPlatform(t)
	once := map[string]int{"mono": 1, "solo": 1, "twin": 1}
	move := func() {
		repos["mono"].Commit(t, "master", map[string]string{"services/api/main.go": "package main // " + time.Now().String() + "\n"}, "api moves")
		for _, name := range []string{"solo", "twin"} {
			repos[name].Commit(t, "master", map[string]string{"x.txt": time.Now().String()}, name+" moves")
		}
	}
	expect := func(step string, code int, r report.Report, stderr string, action report.Action) {
		t.Helper()
		if code != ExitOK || !allActions(r, action) {
			t.Fatalf("%s: exit %d, %+v, want every service %s\n%s", step, code, r.Services, action, stderr)
		}
	}

	code, r, stderr := sessionsOf(t, p, d, repos, once, "build")
	expect("first build (clones)", code, r, stderr, report.ActionBuilt)
	code, r, stderr = sessionsOf(t, p, d, repos, once, "build")
	expect("no-op build", code, r, stderr, report.ActionPresent)

	move()
	code, r, stderr = sessionsOf(t, p, d, repos, once, "plan")
	if code != ExitOK {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	for _, s := range r.Services {
		if want := report.ActionBuilt; s.Name != "web" && s.Action != want {
			t.Errorf("plan after the remotes moved: %s is %s (%s), want %s", s.Name, s.Action, s.Reason, want)
		}
	}
	code, r, stderr = sessionsOf(t, p, d, repos, once, "build")
	if code != ExitOK || r.Services[0].Commit != repos["mono"].Head(t, "master") {
		t.Fatalf("build after the remotes moved: exit %d, %+v\n%s", code, r.Services, stderr)
	}

	code, _, stderr = sessionsOf(t, p, d, repos, once, "lock")
	if code != ExitOK {
		t.Fatalf("lock: exit %d\n%s", code, stderr)
	}
	if err := os.Remove(filepath.Join(p.root, "x-platform.lock")); err != nil {
		t.Fatal(err)
	}

	move()
	code, r, stderr = sessionsOf(t, p, d, repos, once, "sync")
	expect("sync", code, r, stderr, report.ActionSynced)
	code, _, stderr = sessionsOf(t, p, d, repos, once, "plan")
	if code != ExitOK {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	code, _, stderr = sessionsOf(t, p, d, repos, map[string]int{"solo": 1}, "pin", "solo", "origin/master")
	if code != ExitOK {
		t.Fatalf("pin: exit %d\n%s", code, stderr)
	}
	// status --fetch fetches every checkout before it reads environments
	// (there is none here, which it then reports).
	sessionsOf(t, p, d, repos, once, "status", "--fetch", "--env", "nowhere")
}

// TestIntegrationOfflineOpensNoSession runs build and plan with --offline
// (and XP_OFFLINE): no session is opened, the refs last fetched are used,
// the run says so, and a service without a checkout fails naming what to
// run.
func TestIntegrationOfflineOpensNoSession(t *testing.T) {
	p, d, repos := sshPlatform(t)
	none := map[string]int{}
	first := p.build(ExitOK)
	for _, r := range repos {
		r.Commit(t, "master", map[string]string{"x.txt": "moved\n"}, "moves on")
	}

	code, r, stderr := sessionsOf(t, p, d, repos, none, "--offline", "build")
	if code != ExitOK || !allActions(r, report.ActionPresent) || !strings.Contains(stderr, "offline: no git remote is asked") {
		t.Fatalf("offline build: exit %d, %+v, want every image present and a note\n%s", code, r.Services, stderr)
	}
	for _, s := range r.Services {
		if s.Commit != first[s.Name].Commit {
			t.Errorf("offline build took %s at %s, want the commit last fetched %s", s.Name, s.Commit, first[s.Name].Commit)
		}
	}
	t.Setenv("XP_OFFLINE", "1")
	code, r, stderr = sessionsOf(t, p, d, repos, none, "plan")
	if code != ExitOK || !allActions(r, report.ActionPresent) || !strings.Contains(r.Services[0].Reason, "offline") {
		t.Fatalf("offline plan: exit %d, %+v\n%s", code, r.Services, stderr)
	}
	code, _, stderr = sessionsOf(t, p, d, repos, none, "pin", "solo", "origin/master")
	if code != ExitOK {
		t.Fatalf("offline pin: exit %d\n%s", code, stderr)
	}

	if err := os.RemoveAll(filepath.Join(p.root, "src", "solo")); err != nil {
		t.Fatal(err)
	}
	code, r, stderr = sessionsOf(t, p, d, repos, none, "build", "--services", "solo")
	if code != ExitFailed || len(r.Services) != 1 || !strings.Contains(r.Services[0].Error, "--offline") ||
		!strings.Contains(r.Services[0].Error, "x-platform sync") {
		t.Fatalf("offline build without a checkout: exit %d, %+v, want a failure naming --offline and x-platform sync\n%s", code, r.Services, stderr)
	}
}
