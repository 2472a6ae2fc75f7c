package app

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/cachekey"
	"github.com/x-platform/x-platform/internal/report"
)

// TestIntegrationDockerfileLinkIsReadFromTheCommit builds a service whose
// committed Dockerfile is a symbolic link. Inside the repository it is
// followed in the commit: plan, before any checkout, and build give the
// same key. Pointing at a file of the machine or at a pipe, plan and build
// refuse it, naming the link, without reading the file or hanging.
func TestIntegrationDockerfileLinkIsReadFromTheCommit(t *testing.T) {
	p := newPlatform(t, "svc")
	r := p.remotes["svc"]
	r.Commit(t, "master", map[string]string{"docker/Dockerfile.real": serviceFiles("svc")["Dockerfile"]}, "the Dockerfile moves")
	sha := r.Link(t, "master", "Dockerfile", "docker/Dockerfile.real", "a link in its place")

	code, plan, stderr := p.run(t.Context(), "plan")
	if code != ExitOK || plan.Services[0].Key == "" {
		t.Fatalf("plan before any checkout: exit %d, %+v\n%s", code, plan.Services, stderr)
	}
	built := p.build(ExitOK)["svc"]
	if built.Action != report.ActionBuilt || built.Commit != sha {
		t.Fatalf("build = %+v, want built at %s", built, sha)
	}
	if built.Key != plan.Services[0].Key {
		t.Errorf("build's key %s differs from plan's %s", built.Key, plan.Services[0].Key)
	}
	if got := p.labels(p.ref("svc", sha))[cachekey.LabelKey]; got != built.Key {
		t.Errorf("the image's key label = %s, want %s", got, built.Key)
	}
	code, plan, stderr = p.run(t.Context(), "plan")
	if code != ExitOK || plan.Services[0].Action != report.ActionPresent || plan.Services[0].Key != built.Key {
		t.Fatalf("plan at the checkout: exit %d, %+v, want present with key %s\n%s", code, plan.Services, built.Key, stderr)
	}

	host := t.TempDir()
	secret := filepath.Join(host, "secret")
	writeFile(t, secret, "FROM host-secret-content\n")
	fifo := filepath.Join(host, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{secret, fifo} {
		t.Run(filepath.Base(target), func(t *testing.T) {
			r.Link(t, "master", "Dockerfile", target, "a link out of the repository")
			want := "Dockerfile is a symbolic link to " + target + ", outside the repository"
			for _, cmd := range []string{"plan", "build"} {
				done := make(chan struct{})
				var code int
				var rep report.Report
				var stderr string
				go func() {
					defer close(done)
					code, rep, stderr = p.run(t.Context(), cmd)
				}()
				select {
				case <-done:
				case <-time.After(2 * time.Minute):
					if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
						f.Close() // lets the stuck reader go
					}
					<-done
					t.Fatalf("%s did not end: it read the pipe the Dockerfile links to", cmd)
				}
				if code != ExitFailed || len(rep.Services) != 1 || !strings.Contains(rep.Services[0].Error, want) {
					t.Fatalf("%s: exit %d, %+v, want failed saying %q\n%s", cmd, code, rep.Services, want, stderr)
				}
				if strings.Contains(stderr, "host-secret-content") {
					t.Errorf("%s printed the host file's content", cmd)
				}
			}
		})
	}
}
