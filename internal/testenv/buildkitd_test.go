package testenv_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationBuildkitd starts a daemon on a unix socket and one on TCP with mutual TLS,
// and has each solve a file into a local folder.
func TestIntegrationBuildkitd(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opt      testenv.BuildkitdOptions
		scheme   string
		wantsTLS bool
	}{
		{name: "unix", scheme: "unix://"},
		{name: "tcp", opt: testenv.BuildkitdOptions{TCP: true}, scheme: "tcp://127.0.0.1:", wantsTLS: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := testenv.StartBuildkitd(t, tc.opt)
			if !strings.HasPrefix(b.Addr, tc.scheme) {
				t.Errorf("Addr = %q, want it to start with %q", b.Addr, tc.scheme)
			}
			if (b.TLS != nil) != tc.wantsTLS {
				t.Fatalf("TLS = %+v, want TLS files: %v", b.TLS, tc.wantsTLS)
			}
			if b.PID <= 0 || syscall.Kill(b.PID, 0) != nil {
				t.Errorf("PID = %d, want a running process", b.PID)
			}
			c := b.Client(t)
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			workers, err := c.ListWorkers(ctx)
			if err != nil || len(workers) == 0 {
				t.Fatalf("ListWorkers = %d workers, %v; want at least one", len(workers), err)
			}
			t.Logf("worker %s: snapshotter %s", workers[0].ID, workers[0].Labels["org.mobyproject.buildkit.worker.snapshotter"])

			st := llb.Scratch().File(llb.Mkfile("/hello", 0o644, []byte("hi")))
			out := solveLocal(ctx, t, c, st)
			if got, err := os.ReadFile(filepath.Join(out, "hello")); err != nil || string(got) != "hi" {
				t.Errorf("exported /hello = %q, %v; want %q", got, err, "hi")
			}
		})
	}
}

// TestIntegrationBuildkitdNeedsClientCert proves the TCP daemon turns away a client that
// trusts it but shows no certificate.
func TestIntegrationBuildkitdNeedsClientCert(t *testing.T) {
	t.Parallel()
	b := testenv.StartBuildkitd(t, testenv.BuildkitdOptions{TCP: true})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c, err := client.New(ctx, b.Addr, client.WithServerConfig(b.TLS.ServerName, b.TLS.CA))
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	defer c.Close()
	if _, err := c.ListWorkers(ctx); err == nil {
		t.Errorf("ListWorkers without a client certificate succeeded")
	}
}

// TestIntegrationBuildkitdRunsImage runs a process with runc in a base image the daemon
// pulls from a plain-HTTP loopback registry.
func TestIntegrationBuildkitdRunsImage(t *testing.T) {
	t.Parallel()
	registry := testenv.Registry(t)
	ref := testenv.PushBaseImage(t, registry)
	if !strings.HasPrefix(ref, registry+"/") {
		t.Fatalf("PushBaseImage = %q, want a name in %s", ref, registry)
	}
	b := testenv.StartBuildkitd(t, testenv.BuildkitdOptions{InsecureRegistries: []string{registry}})
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	run := llb.Image(ref).Run(llb.Shlex("sh -c 'echo ok > /out/result'"))
	out := solveLocal(ctx, t, b.Client(t), run.AddMount("/out", llb.Scratch()))
	if got, err := os.ReadFile(filepath.Join(out, "result")); err != nil || string(got) != "ok\n" {
		t.Errorf("exported /out/result = %q, %v; want %q", got, err, "ok\n")
	}
}

// TestIntegrationBuildkitdStop stops a daemon as a failing machine would go: it stops
// answering, its state goes, and stopping again does nothing.
func TestIntegrationBuildkitdStop(t *testing.T) {
	t.Parallel()
	b := testenv.StartBuildkitd(t, testenv.BuildkitdOptions{})
	sock := strings.TrimPrefix(b.Addr, "unix://")
	b.Stop(t)
	b.Stop(t)
	if err := syscall.Kill(b.PID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("signalling pid %d after Stop: %v, want ESRCH", b.PID, err)
	}
	if _, err := os.Stat(filepath.Dir(sock)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("buildkitd's folder %s after Stop: %v, want it gone", filepath.Dir(sock), err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := client.New(ctx, b.Addr)
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	defer c.Close()
	if _, err := c.ListWorkers(ctx); err == nil {
		t.Errorf("ListWorkers after Stop succeeded")
	}
}

// solveLocal solves st on c and returns the folder the local exporter wrote it to.
func solveLocal(ctx context.Context, t *testing.T, c *client.Client, st llb.State) string {
	t.Helper()
	def, err := st.Marshal(ctx)
	if err != nil {
		t.Fatalf("marshalling LLB: %v", err)
	}
	out := t.TempDir()
	_, err = c.Solve(ctx, def, client.SolveOpt{
		Exports: []client.ExportEntry{{Type: client.ExporterLocal, OutputDir: out}},
	}, nil)
	if err != nil {
		t.Fatalf("solving: %v", err)
	}
	return out
}

// TestIntegrationBuildkitdStopMidBuild stops a daemon while a build step runs, as failover
// tests do, and finds no build container or mount of it left behind.
func TestIntegrationBuildkitdStopMidBuild(t *testing.T) {
	t.Parallel()
	registry := testenv.Registry(t)
	ref := testenv.PushBaseImage(t, registry)
	b := testenv.StartBuildkitd(t, testenv.BuildkitdOptions{InsecureRegistries: []string{registry}})
	dir := filepath.Dir(strings.TrimPrefix(b.Addr, "unix://"))
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	def, err := llb.Image(ref).Run(llb.Shlex("sleep 600")).Root().Marshal(ctx)
	if err != nil {
		t.Fatalf("marshalling LLB: %v", err)
	}
	status := make(chan *client.SolveStatus)
	solved := make(chan error, 1)
	go func() {
		_, err := b.Client(t).Solve(ctx, def, client.SolveOpt{}, status)
		solved <- err
	}()
	sleeping := false
	for st := range status {
		for _, v := range st.Vertexes {
			if strings.Contains(v.Name, "sleep 600") && v.Started != nil && !sleeping {
				sleeping = true
				b.Stop(t)
			}
		}
	}
	if !sleeping {
		t.Fatalf("the build ended (%v) before its step started", <-solved)
	}
	if err := <-solved; err == nil {
		t.Errorf("Solve succeeded on a stopped daemon")
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mounts), dir) {
		t.Errorf("mounts under %s remain after Stop:\n%s", dir, mounts)
	}
	containers, err := exec.Command("runc", "list", "--format", "json").Output()
	if err != nil {
		t.Fatalf("runc list: %v", err)
	}
	if strings.Contains(string(containers), dir) {
		t.Errorf("build containers of %s remain after Stop: %s", dir, containers)
	}
}
