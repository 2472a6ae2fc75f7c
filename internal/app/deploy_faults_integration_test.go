package app

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/x-platform/x-platform/internal/report"
)

// TestIntegrationRollbackChecksImagesFirst: when the images of the release
// to restore are gone from the registry, the failed deploy says so at once,
// naming them, instead of applying a rollback whose pods cannot start and
// waiting out the timeout.
func TestIntegrationRollbackChecksImagesFirst(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend")
	c.checkout()
	c.pushAll()
	c.deploy(ExitOK)
	first := c.remotes["zbackend"].Head(t, "master")
	gone := c.registry + "/zbackend@" + c.digests[c.registry+"/zbackend:"+first]
	ref, err := name.NewDigest(gone)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Delete(ref, remote.WithContext(t.Context())); err != nil {
		t.Fatalf("deleting %s: %v", gone, err)
	}

	c.push("zbackend", c.remotes["zbackend"].Commit(t, "master", map[string]string{"v2": "2"}, "v2"))
	c.overlay(crashing("zbackend"))
	start := time.Now()
	code, out, stderr := c.run(t.Context(), "json", "deploy", "--env", "staging", "--sync", "--timeout", "90s", "--kubeconfig", c.env.Kubeconfig)
	var r report.DeployReport
	if err := json.Unmarshal([]byte(out), &r); code != ExitFailed || err != nil {
		t.Fatalf("deploy of a crashing service: exit %d %v\n%s\n%s", code, err, out, stderr)
	}
	if !strings.Contains(stderr, "not rolling back to revision 1") || !strings.Contains(stderr, gone) || strings.Contains(stderr, "failed too") {
		t.Errorf("stderr does not say the rollback's image is gone:\n%s", stderr)
	}
	if r.RollbackRevision != 0 {
		t.Errorf("a rollback was recorded as revision %d", r.RollbackRevision)
	}
	// The crash loop is found in seconds; a rollback would have taken the timeout.
	if took := time.Since(start); took > 60*time.Second {
		t.Errorf("the deploy took %s", took)
	}
	code, _, stderr = c.run(t.Context(), "text", "rollback", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitFailed || !strings.Contains(stderr, gone) {
		t.Errorf("rollback to a release whose image is gone: exit %d\n%s", code, stderr)
	}
}

// signalWriter is stderr that closes reached once a line holds want.
type signalWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	want    string
	reached chan struct{}
	once    sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.reached) })
	}
	return n, err
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestIntegrationDeployInterruptedIsRecorded: Ctrl-C while a rollout is
// tracked stops the deploy, and history says the release was interrupted
// instead of showing nothing; rollback then restores the deployed one.
func TestIntegrationDeployInterruptedIsRecorded(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend")
	c.checkout()
	c.pushAll()
	c.deploy(ExitOK)

	// Pods that never become ready but do not count as failing: the
	// rollout waits until the interrupt.
	c.push("zbackend", c.remotes["zbackend"].Commit(t, "master", map[string]string{"v2": "2"}, "v2"))
	c.overlay(strings.ReplaceAll(crashing("zbackend"), "CrashLoopBackOff", "ContainerCreating"))
	ctx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	stderr := &signalWriter{want: "deployment/zbackend |", reached: make(chan struct{})}
	var out bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"x-platform", "--file", filepath.Join(c.root, "x-platform.yml"), "--output", "text",
			"deploy", "--env", "staging", "--sync", "--timeout", "5m", "--kubeconfig", c.env.Kubeconfig}, Streams{In: strings.NewReader(""), Out: &out, Err: stderr})
	}()
	select {
	case <-stderr.reached:
	case code := <-done:
		t.Fatalf("the deploy ended before it tracked: exit %d\n%s", code, stderr)
	}
	interrupt()
	if code := <-done; code != ExitFailed || !strings.Contains(stderr.String(), "interrupted part way and is recorded as revision 2") {
		t.Fatalf("interrupted deploy: exit %d\n%s", code, stderr)
	}
	var h report.HistoryReport
	code, hout, herr := c.run(t.Context(), "json", "history", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if err := json.Unmarshal([]byte(hout), &h); code != ExitOK || err != nil {
		t.Fatalf("history: exit %d %v\n%s", code, err, herr)
	}
	if len(h.Revisions) != 2 || h.Revisions[0].Status != "deployed" || h.Revisions[1].Status != "interrupted" {
		t.Fatalf("history after an interrupt: %+v", h.Revisions)
	}
	code, _, rerr := c.run(t.Context(), "text", "rollback", "--env", "staging", "--timeout", "90s", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitOK || !strings.Contains(rerr, "rolling back to revision 1") {
		t.Fatalf("rollback after an interrupt: exit %d\n%s", code, rerr)
	}
}
