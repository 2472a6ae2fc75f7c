package gitsync

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationSSHSessionsStayBounded lists 40 repositories of one
// server at once, each session waiting on the server: at most 16 sessions
// run at once, on at most 2 connections, under OpenSSH's MaxSessions (10
// per connection) and MaxStartups (10 logins in flight) defaults.
func TestIntegrationSSHSessionsStayBounded(t *testing.T) {
	d := testenv.StartSSHD(t, testenv.LogSessions)
	d.SetSessionDelay(t, 200*time.Millisecond)
	sshEnv(t, testenv.SSHHome(t, d, "gitserver"))
	const n = 40
	remotes := make([]*testenv.Remote, n)
	for i := range remotes {
		remotes[i] = testenv.NewRemote(t, map[string]string{"a.txt": fmt.Sprint(i)})
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, r := range remotes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := LsRemote(t.Context(), d.URL("gitserver", r))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	log := d.Sessions(t)
	if log.Total() != n || log.Peak > 16 {
		t.Fatalf("%d listings: %d sessions, at most %d at once; want %d, at most 16", n, log.Total(), log.Peak, n)
	}
	if got := d.Logins(t); got > 2 {
		t.Fatalf("%d listings logged in %d times, want at most 2 connections", n, got)
	}
}

// TestIntegrationRunAsksEachRemoteOnce lists, looks at and fetches one
// remote into two checkouts within one run: one session in all, and the
// second checkout gets the commits the first fetched.
func TestIntegrationRunAsksEachRemoteOnce(t *testing.T) {
	d := testenv.StartSSHD(t, testenv.LogSessions)
	sshEnv(t, testenv.SSHHome(t, d, "gitserver"))
	r := testenv.NewRemote(t, map[string]string{"a.txt": "a\n"})
	url := d.URL("gitserver", r)
	one, two := checkoutDir(t), checkoutDir(t)
	mustSync(t, Request{Remote: url, Dir: one, Reference: "origin/master"})
	mustSync(t, Request{Remote: url, Dir: two, Reference: "origin/master"})
	sha := r.Commit(t, "master", map[string]string{"a.txt": "b\n"}, "moves")
	d.ResetSessions(t)

	ctx := WithRun(t.Context(), false)
	for _, dir := range []string{one, two} {
		res, err := Sync(ctx, Request{Remote: url, Dir: dir, Reference: "origin/master"})
		if err != nil || res.Commit != sha {
			t.Fatalf("Sync(%s) = %+v, %v; want %s", dir, res, err, sha)
		}
	}
	refs, err := LsRemote(ctx, url)
	if err != nil || refs["refs/heads/master"] != sha {
		t.Fatalf("LsRemote in the run = %v, %v", refs, err)
	}
	snap, err := Peek(ctx, url, "refs/heads/master", "", "a.txt")
	if err != nil || string(snap.Files["a.txt"]) != "b\n" {
		t.Fatalf("Peek in the run = %+v, %v", snap, err)
	}
	if got := d.Sessions(t).Started[r.Dir]; got != 1 {
		t.Fatalf("one run opened %d sessions to the remote, want 1", got)
	}

	// Offline, nothing is asked and a missing checkout is refused.
	d.ResetSessions(t)
	off := WithRun(context.Background(), true)
	if _, err := LsRemote(off, url); err == nil {
		t.Fatal("LsRemote offline succeeded")
	}
	if _, err := Sync(off, Request{Remote: url, Dir: checkoutDir(t), Reference: "origin/master"}); err == nil {
		t.Fatal("Sync offline cloned")
	}
	if got := d.Sessions(t).Total(); got != 0 {
		t.Fatalf("offline run opened %d sessions", got)
	}
}
