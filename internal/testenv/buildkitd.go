package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
)

// Buildkitd is a standalone BuildKit daemon run by the test as root with Debian's runc, as
// CI runners and build farms run it: a pool endpoint that, unlike the Docker engine's
// BuildKit, sees no local images, so base images must come from a registry (PushBaseImage).
type Buildkitd struct {
	Addr string       // unix:///…/buildkitd.sock, or tcp://127.0.0.1:PORT with TLS
	TLS  *BuildkitTLS // the client's files for a tcp daemon; nil on a unix socket
	PID  int
	Log  string // the daemon's output, kept in the test's temporary directory

	dir      string // its state: root, sockets, config, temporary files
	runc     string
	exited   chan struct{}
	stopOnce sync.Once
}

// BuildkitdOptions says how a daemon listens and which registries it reaches over plain HTTP.
type BuildkitdOptions struct {
	// TCP makes it listen on a free 127.0.0.1 port with mutual TLS (a server certificate
	// for 127.0.0.1; client certificates required) instead of a unix socket.
	TCP bool
	// InsecureRegistries are host:port registries it pushes to and pulls from over plain
	// HTTP, such as those of Registry; buildkitd, unlike the engine, trusts no loopback
	// registry by default.
	InsecureRegistries []string
}

// StartBuildkitd starts buildkitd (see BuildkitdBinary) with an OCI worker on overlayfs,
// waits until it lists its workers, and stops it by PID when the test ends, removing its
// state. It fails the test rather than skip when the machine cannot run it.
func StartBuildkitd(t testing.TB, opt BuildkitdOptions) *Buildkitd {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatalf("buildkitd runs build steps with runc and needs root: run the tests as root (and hack/ensure-docker.sh as root to install runc)")
	}
	runc, err := findRunc()
	if err != nil {
		t.Fatalf("%v (run hack/ensure-docker.sh as root: it installs Debian's runc)", err)
	}
	bin := BuildkitdBinary(t)
	// Not t.TempDir: a unix socket's path must stay under 108 bytes, and long test names
	// would pass that.
	dir, err := os.MkdirTemp("", "xp-buildkitd-")
	if err != nil {
		t.Fatalf("creating buildkitd's directory: %v", err)
	}
	b := &Buildkitd{dir: dir, runc: runc, Log: filepath.Join(t.TempDir(), "buildkitd.log"), exited: make(chan struct{})}
	t.Cleanup(func() { b.Stop(t) })
	// Build steps' temporary mounts go under dir too, so stopping finds every mount left.
	for _, sub := range []string{"root", "tmp", "tls"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatalf("creating buildkitd's directory: %v", err)
		}
	}
	config := filepath.Join(dir, "buildkitd.toml")
	if err := os.WriteFile(config, []byte(buildkitdConfig(opt.InsecureRegistries)), 0o644); err != nil {
		t.Fatalf("writing buildkitd's configuration: %v", err)
	}
	args := []string{
		"--config", config,
		"--root", filepath.Join(dir, "root"),
		"--oci-worker=true", "--containerd-worker=false",
		"--oci-worker-binary", runc,
		// Build steps share the host's network, so they reach registries on loopback.
		"--oci-worker-net=host",
		// Its default, /run/buildkit/otel-grpc.sock, is one per machine; daemons would
		// take it from each other.
		"--otel-socket-path", filepath.Join(dir, "otel.sock"),
		"--cdi-disabled",
	}
	if opt.TCP {
		var server buildkitdServerTLS
		b.TLS, server = writeBuildkitdTLS(t, filepath.Join(dir, "tls"), net.IPv4(127, 0, 0, 1))
		b.Addr = "tcp://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
		args = append(args, "--tlscacert", server.CA, "--tlscert", server.Cert, "--tlskey", server.Key)
	} else {
		b.Addr = "unix://" + filepath.Join(dir, "buildkitd.sock")
	}
	args = append(args, "--addr", b.Addr)

	logFile, err := os.Create(b.Log)
	if err != nil {
		t.Fatalf("creating buildkitd's log: %v", err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), "TMPDIR="+filepath.Join(dir, "tmp"))
	// Should the test binary die without stopping it, the daemon goes too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting buildkitd: %v", err)
	}
	b.PID = cmd.Process.Pid
	go func() { _ = cmd.Wait(); close(b.exited) }()

	if err := b.waitReady(t.Context(), time.Minute); err != nil {
		t.Fatalf("starting buildkitd on %s: %v; the end of %s:\n%s", b.Addr, err, b.Log, lastLines(b.Log, 30))
	}
	return b
}

// findRunc returns the runc on PATH, else Debian's, which a user's PATH may lack.
func findRunc() (string, error) {
	if p, err := exec.LookPath("runc"); err == nil {
		return p, nil
	}
	const debian = "/usr/sbin/runc"
	if _, err := os.Stat(debian); err != nil {
		return "", fmt.Errorf("finding runc: none on PATH, nor %s", debian)
	}
	return debian, nil
}

// buildkitdConfig is the daemon's TOML configuration: plain HTTP for the given registries.
func buildkitdConfig(insecure []string) string {
	var s strings.Builder
	s.WriteString("[worker.oci]\n  enabled = true\n[worker.containerd]\n  enabled = false\n")
	for _, r := range insecure {
		fmt.Fprintf(&s, "[registry.%q]\n  http = true\n", r)
	}
	return s.String()
}

// ClientOpts are the options client.New needs to reach the daemon.
func (b *Buildkitd) ClientOpts() []client.ClientOpt {
	if b.TLS == nil {
		return nil
	}
	return []client.ClientOpt{
		client.WithServerConfig(b.TLS.ServerName, b.TLS.CA),
		client.WithCredentials(b.TLS.Cert, b.TLS.Key),
	}
}

// Client returns a client of the daemon, closed when the test ends.
func (b *Buildkitd) Client(t testing.TB) *client.Client {
	t.Helper()
	c, err := client.New(t.Context(), b.Addr, b.ClientOpts()...)
	if err != nil {
		t.Fatalf("connecting to buildkitd at %s: %v", b.Addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitReady polls until the daemon lists a worker, it exits, or timeout passes; a socket
// has no event to wait on.
func (b *Buildkitd) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := client.New(ctx, b.Addr, b.ClientOpts()...)
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	defer c.Close()
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
		workers, err := c.ListWorkers(attempt)
		cancelAttempt()
		if err == nil && len(workers) > 0 {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("it lists no worker")
		}
		select {
		case <-b.exited:
			return fmt.Errorf("it exited")
		case <-ctx.Done():
			return fmt.Errorf("listing workers: %w", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// lastLines returns up to n last lines of the file at path, for error messages.
func lastLines(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(reading the log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
