package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// stalledGit is a platform whose one service's checkout was cloned over
// smart HTTP through a fault proxy, which now accepts connections and
// sends nothing.
type stalledGit struct {
	root, registry string
}

func newStalledGit(t *testing.T) *stalledGit {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	origin := testenv.NewRemote(t, serviceFiles("svc"))
	u, err := url.Parse(origin.ServeHTTP(t))
	if err != nil {
		t.Fatal(err)
	}
	fault := testenv.StartHTTPFault(t, u.Host)
	u.Host = fault.Addr
	s := &stalledGit{root: t.TempDir(), registry: testenv.Registry(t) + "/" + testenv.UniqueName(t, "x")}
	writeFile(t, filepath.Join(s.root, "x-platform.yml"), "registry: "+s.registry+"\nservices:\n"+
		"  svc: {dir: src/svc, git: {remote: "+u.String()+", reference: origin/master}, dockerBuilder: {image: b, workdir: /src}, docker: {image: svc}}\n")
	if _, err := gitsync.Sync(t.Context(), gitsync.Request{Remote: u.String(), Dir: filepath.Join(s.root, "src", "svc"), Reference: "origin/master"}); err != nil {
		t.Fatal(err)
	}
	fault.Stall()
	return s
}

// stalls are the two ends of a call to a stalled server: its silence
// outlasts the network timeout, or, with a network timeout longer than
// the transfer deadline, the deadline comes first. Either message names
// the setting to wait longer.
var stalls = []struct {
	name, idle, deadline, want string
}{
	{"silent past XP_NETWORK_TIMEOUT", "2s", "20s", "sent nothing for 2s (the server is stalled or the network is down; set XP_NETWORK_TIMEOUT to wait longer)"},
	{"past XP_TRANSFER_TIMEOUT", "10m", "3s", "gave up after 3s (the git server or the network is too slow; set XP_TRANSFER_TIMEOUT to wait longer)"},
}

// stallBound is how long a command that meets the stalled server may take
// in all: the policy's values above and some seconds of work.
const stallBound = 20 * time.Second

// run runs x-platform in the platform folder, bounded so that a command
// that waits on the stalled server fails the test instead of hanging it.
func (s *stalledGit) run(t *testing.T, args ...string) (code int, stdout, stderr string, took time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*stallBound)
	defer cancel()
	var out, errOut bytes.Buffer
	start := time.Now()
	code = Run(ctx, append([]string{"x-platform", "--file", filepath.Join(s.root, "x-platform.yml")}, args...), Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String(), time.Since(start)
}

// TestIntegrationStatusFetchGivesUpOnAStalledGitServer runs status --fetch
// against a smart-HTTP git server that stops answering: the fetch ends at
// the network timeout or the transfer deadline, whichever comes first, and
// status exits 1 saying which service's fetch failed and what to set.
func TestIntegrationStatusFetchGivesUpOnAStalledGitServer(t *testing.T) {
	s := newStalledGit(t)
	for _, tt := range stalls {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XP_NETWORK_TIMEOUT", tt.idle)
			t.Setenv("XP_TRANSFER_TIMEOUT", tt.deadline)
			code, out, stderr, took := s.run(t, "status", "--fetch")
			t.Logf("exit %d after %s\nstdout:\n%s\nstderr:\n%s", code, took.Round(time.Millisecond), out, stderr)
			if took > stallBound {
				t.Errorf("status --fetch took %s; the stalled server must end it within %s", took, stallBound)
			}
			if code != ExitFailed || !strings.Contains(stderr, "x-platform: fetching svc: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 1 with the failed fetch of svc and %q", code, stderr, tt.want)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing as no environment was read", out)
			}
		})
	}
}

// TestIntegrationCleanupGivesUpOnAStalledGitServer runs cleanup --apply
// against a smart-HTTP git server that stops answering: the fetch ends at
// the network timeout or the transfer deadline, the service's old image is
// refused rather than deleted on refs that could not be read, the report
// says why, and cleanup exits 1.
func TestIntegrationCleanupGivesUpOnAStalledGitServer(t *testing.T) {
	s := newStalledGit(t)
	img, err := random.Image(128, 1) // no creation time: old
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(s.registry + "/svc:" + strings.Repeat("ab", 20))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
	for _, tt := range stalls {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XP_NETWORK_TIMEOUT", tt.idle)
			t.Setenv("XP_TRANSFER_TIMEOUT", tt.deadline)
			code, out, stderr, took := s.run(t, "cleanup", "--apply", "--output", "json")
			t.Logf("exit %d after %s\nstdout:\n%s\nstderr:\n%s", code, took.Round(time.Millisecond), out, stderr)
			if took > stallBound {
				t.Errorf("cleanup took %s; the stalled server must end it within %s", took, stallBound)
			}
			if code != ExitFailed || !strings.Contains(stderr, "some deletes failed or were refused; the report says which and why") {
				t.Errorf("exit %d, stderr %q; want 1 and the refusal pointed at", code, stderr)
			}
			var doc report.Cleanup
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("stdout is not a cleanup document: %v\n%s", err, out)
			}
			if len(doc.Repositories) != 1 || len(doc.Repositories[0].Delete) != 1 ||
				!strings.Contains(doc.Repositories[0].Refused, "fetching its remote failed (") || !strings.Contains(doc.Repositories[0].Refused, tt.want) {
				t.Errorf("repositories %+v; want svc's old image refused for the stalled fetch with %q", doc.Repositories, tt.want)
			}
			if _, err := remote.Head(ref, remote.WithContext(t.Context())); err != nil {
				t.Errorf("the refused image is gone: %v", err)
			}
			if _, err := os.Stat(filepath.Join(s.root, "src", "svc", ".git")); err != nil {
				t.Errorf("the checkout is gone after the failed fetch: %v", err)
			}
		})
	}
}
