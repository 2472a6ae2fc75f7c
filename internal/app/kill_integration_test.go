package app

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationKillMidBuild SIGKILLs a real x-platform process while a
// build script runs, on the engine's BuildKit and on a standalone
// buildkitd. Nothing can clean up after SIGKILL, so the promise rests on
// BuildKit: the client's session goes with the process, the solve is
// cancelled and the script's processes end. The next run builds normally
// and leaves the checkout clean.
func TestIntegrationKillMidBuild(t *testing.T) {
	bin := buildBinary(t)
	for _, daemon := range []bool{false, true} {
		t.Run(map[bool]string{false: "engine", true: "buildkitd"}[daemon], func(t *testing.T) {
			p := newPlatform(t, "slow")
			var args []string
			if daemon {
				reg := strings.SplitN(p.registry, "/", 2)[0]
				p.base = testenv.PushBaseImage(t, reg)
				d := testenv.StartBuildkitd(t, testenv.BuildkitdOptions{InsecureRegistries: []string{reg}})
				args = []string{"--builder", d.Addr}
			}
			marker := testenv.UniqueName(t, "xp-sigkill")
			p.writeManifest(func(_ string, svc map[string]string) {
				svc["build"] = fmt.Sprintf(`["sleep 30; echo built-%s > out.txt"]`, marker)
			})
			cmd := startBinary(t, bin, p, append([]string{"build"}, args...)...)
			waitFor(t, 2*time.Minute, "the build script to start", func() bool { return running(marker) })
			killBinary(t, cmd)
			killed := time.Now()
			// Well under the script's 30 s: a script left running would
			// still be sleeping.
			waitFor(t, 20*time.Second, "the script's processes to end once the client is gone", func() bool { return !running(marker) })
			t.Logf("the script's processes ended %s after the kill", time.Since(killed).Round(100*time.Millisecond))
			if ids := containersMentioning(t, p, marker); len(ids) > 0 {
				t.Fatalf("containers of the killed build remain: %v", ids)
			}

			got := p.build(ExitOK, args...)["slow"]
			if got.Action != "built" {
				t.Fatalf("the run after the kill: %+v, want built", got)
			}
			if d := p.remoteDigest(t, p.ref("slow", got.Commit)); d == "" || d != got.Digest {
				t.Fatalf("the <sha> tag is at %q, the report says %q", d, got.Digest)
			}
			if status := gitStatus(t, filepath.Join(p.root, "src", "slow")); status != "" {
				t.Fatalf("the checkout is not clean after the kill and a build:\n%s", status)
			}
		})
	}
}

// TestIntegrationKillMidPush SIGKILLs x-platform once the engine has begun
// to push the built image: a proxy in front of the registry holds the
// first blob upload until the process is dead. Whatever the engine does
// with the push it was given, no tag may name anything but the commit's
// complete image, and the next run pushes and tags it all.
func TestIntegrationKillMidPush(t *testing.T) {
	bin := buildBinary(t)
	p := newPlatform(t, "big")
	hold := newUploadHold(t, p.registry)
	p.registry = hold.host + p.registry[strings.Index(p.registry, "/"):]
	p.writeManifest(func(_ string, svc map[string]string) {
		// 16 MiB of noise, so that the push has something to carry.
		svc["build"] = `["echo built-$XP_COMMIT > out.txt; head -c 16777216 /dev/urandom >> out.txt"]`
	})
	cmd := startBinary(t, bin, p, "build")
	select {
	case <-hold.started:
	case <-time.After(3 * time.Minute):
		t.Fatal("the push did not start")
	}
	killBinary(t, cmd)
	hold.release()
	hold.waitIdle(t)
	t.Logf("%d requests to the registry were cut off by their client after the kill", hold.failed.Load())
	commit := p.remotes["big"].Head(t, "master")
	tags := p.tags(t, "big")
	for _, tag := range tags {
		if tag != commit {
			t.Errorf("tag %s reached the registry from a run killed while pushing", tag)
		}
	}
	if slices.Contains(tags, commit) {
		t.Logf("the engine finished the <sha> push the killed run had started")
		readImage(t, p.ref("big", commit))
	}

	got := p.build(ExitOK)["big"]
	if got.Action != "built" && got.Action != "present" {
		t.Fatalf("the run after the kill: %+v, want built or present", got)
	}
	sha := p.remoteDigest(t, p.ref("big", got.Commit))
	if sha == "" || sha != got.Digest {
		t.Fatalf("the <sha> tag is at %q, the report says %q", sha, got.Digest)
	}
	for _, tag := range p.tags(t, "big") {
		if d := p.remoteDigest(t, p.ref("big", tag)); d != sha && tag != "buildcache" {
			t.Errorf("tag %s is at %s, not at the commit's image %s", tag, d, sha)
		}
	}
	readImage(t, p.ref("big", got.Commit))
}

// readImage reads every layer of ref from its registry: the image is whole.
func readImage(t *testing.T, ref string) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(r, remote.WithContext(t.Context()))
	if err != nil {
		t.Fatalf("reading %s: %v", ref, err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatalf("reading the layers of %s: %v", ref, err)
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err == nil {
			_, err = io.Copy(io.Discard, rc)
			rc.Close()
		}
		if err != nil {
			t.Fatalf("reading a layer of %s: %v", ref, err)
		}
	}
}

func startBinary(t *testing.T, bin string, p *platform, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--file", filepath.Join(p.root, "x-platform.yml")}, args...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd
}

func killBinary(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("a killed x-platform exited 0")
	}
}

// containersMentioning lists the engine's containers, stopped ones too,
// whose command names marker.
func containersMentioning(t *testing.T, p *platform, marker string) []string {
	t.Helper()
	list, err := p.docker.ContainerList(t.Context(), container.ListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range list {
		if strings.Contains(c.Command, marker) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

func gitStatus(t *testing.T, dir string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", dir, "status", "--porcelain", "--ignored").CombinedOutput()
	if err != nil {
		t.Fatalf("git status: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// tags lists the tags of the service's repository in the registry.
func (p *platform) tags(t *testing.T, service string) []string {
	t.Helper()
	repo, err := name.NewRepository(p.registry+"/"+service, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := remote.List(repo, remote.WithContext(t.Context()))
	if err != nil && !strings.Contains(err.Error(), "NAME_UNKNOWN") {
		t.Fatalf("listing tags of %s: %v", repo, err)
	}
	return tags
}

// uploadHold is a proxy in front of a registry that holds the first blob
// upload it receives until released.
type uploadHold struct {
	host               string
	started, abandoned chan struct{}
	released           chan struct{}
	startOnce, relOnce sync.Once
	inflight, failed   atomic.Int64
}

func newUploadHold(t *testing.T, registry string) *uploadHold {
	t.Helper()
	target := &url.URL{Scheme: "http", Host: strings.SplitN(registry, "/", 2)[0]}
	proxy := httputil.NewSingleHostReverseProxy(target)
	h := &uploadHold{started: make(chan struct{}), released: make(chan struct{})}
	proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		// A client that gives up an upload midway ends here.
		h.failed.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.inflight.Add(1)
		defer h.inflight.Add(-1)
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/blobs/uploads/") {
			first := false
			h.startOnce.Do(func() { first = true })
			if first {
				close(h.started)
				<-h.released
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		h.release()
		srv.Close()
	})
	h.host = strings.TrimPrefix(srv.URL, "http://")
	return h
}

func (h *uploadHold) release() { h.relOnce.Do(func() { close(h.released) }) }

// waitIdle waits until no request is being served: whatever the killed
// run had started has finished or been given up.
func (h *uploadHold) waitIdle(t *testing.T) {
	t.Helper()
	waitFor(t, 30*time.Second, "requests to the registry to end", func() bool { return h.inflight.Load() == 0 })
}
