package pipeline

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/retry"
	"github.com/x-platform/x-platform/internal/testenv"
	"github.com/x-platform/x-platform/internal/ui"
)

// TestIntegrationGitFetchFaults clones and fetches a checkout from a real smart-HTTP
// git server through a fault proxy: under each fault the sync either gets
// through by retrying or fails within a bounded time with a message naming
// the host, and the next sync, the fault gone, reaches the remote's head.
func TestIntegrationGitFetchFaults(t *testing.T) {
	policy := retry.Policy{Idle: 3 * time.Second, Attempts: 4, Backoff: 50 * time.Millisecond}
	remote := testenv.NewRemote(t, map[string]string{"README": "one\n"})
	u, err := url.Parse(remote.ServeHTTP(t))
	if err != nil {
		t.Fatal(err)
	}
	fault := testenv.StartHTTPFault(t, u.Host)
	u.Host = fault.Addr
	root := t.TempDir()
	svc := &manifest.Service{
		Name: "svc", Dir: "src/svc", AbsDir: filepath.Join(root, "src", "svc"),
		Git: manifest.Git{Remote: u.String(), URL: u.String(), Reference: "origin/master"},
	}
	p := &Pipeline{
		Git: Git{gitsync.NewClient(policy)}, Progress: ui.NewProgress(io.Discard, ui.Normal),
		Manifest: &manifest.Manifest{Root: root}, Jobs: 1,
	}
	sync := func() report.ServiceResult { return p.SyncOnly(t.Context(), []*manifest.Service{svc})[0] }
	// A first clone is retried too, and one that gives up leaves no folder.
	fault.Fail(1000)
	if r := sync(); r.Action != report.ActionFailed || !strings.Contains(r.Error, "status code: 503") || !strings.Contains(r.Error, "after 4 attempts") {
		t.Fatalf("first clone through 503s = %+v, want failed after 4 attempts", r)
	}
	if _, err := os.Stat(svc.AbsDir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a failed first clone left %s behind: %v", svc.AbsDir, err)
	}
	fault.Clear()
	fault.Fail(2)
	if r := sync(); r.Action != report.ActionSynced {
		t.Fatalf("first clone through two 503s = %+v, want it cloned by retrying", r)
	}
	fault.Clear()

	// A pack big enough to be cut and slowed mid-body: random, so that
	// compression leaves it big.
	raw := make([]byte, 64<<10)
	rand.Read(raw)
	big := hex.EncodeToString(raw)
	faults := []struct {
		name    string
		set     func()
		wantErr string // "" when retrying gets through
	}{
		{"two 503s", func() { fault.Fail(2) }, ""},
		{"503 on every attempt", func() { fault.Fail(1000) }, "status code: 503"},
		{"stall", fault.Stall, fault.Addr + " sent nothing for 3s"},
		{"cut mid-pack", func() { fault.CutAfter(4096) }, "unexpected EOF (gave up on " + u.String() + " after 4 attempts; try again later)"},
		{"slow", func() { fault.Slow(256 << 10) }, ""},
	}
	for i, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			head := remote.Commit(t, "master", map[string]string{"README": f.name + "\n", "big": big[i:]}, f.name)
			f.set()
			start := time.Now()
			r := sync()
			took := time.Since(start)
			t.Logf("%s after %s: %s", r.Action, took.Round(time.Millisecond), r.Error)
			fault.Clear()
			if took > 20*time.Second {
				t.Errorf("the sync took %s; a fault must end it within a bounded time", took)
			}
			switch {
			case f.wantErr == "" && (r.Action != report.ActionSynced || r.Commit != head):
				t.Fatalf("want success by retrying at %s, got %+v", head, r)
			case f.wantErr != "" && (r.Action != report.ActionFailed || !strings.Contains(r.Error, f.wantErr)):
				t.Fatalf("result = %+v, want failed with %q", r, f.wantErr)
			}
			if r := sync(); r.Action != report.ActionSynced || r.Commit != head {
				t.Fatalf("after the fault: %+v, want synced at %s", r, head)
			}
		})
	}
}
