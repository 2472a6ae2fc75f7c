package testenv

import (
	"crypto/tls"
	"io"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/engine"
)

// EngineOverTCP serves the local engine on tcp://127.0.0.1:port (over TLS
// when cfg is set) and returns that address: the engine as a client reaches
// a remote one, such as GitLab's docker:dind service. It sees this machine's
// folders, as a dind service sees the job's /builds.
func EngineOverTCP(t testing.TB, cfg *tls.Config) string {
	t.Helper()
	Docker(t)
	ep, err := engine.Resolve(os.Getenv)
	if err != nil || ep.Scheme() != "unix" {
		t.Fatalf("forwarding the engine needs it on a unix socket: %+v, %v", ep, err)
	}
	sock := strings.TrimPrefix(ep.Host, "unix://")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg != nil {
		l = tls.NewListener(l, cfg)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go forward(c, sock)
		}
	}()
	return "tcp://" + l.Addr().String()
}

func forward(c net.Conn, sock string) {
	defer c.Close()
	u, err := net.Dial("unix", sock)
	if err != nil {
		return
	}
	defer u.Close()
	// Each direction passes its end on as a half-close, as `docker run -i`
	// closes stdin and still reads the output; both ending ends the pair.
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(u, c); closeWrite(u); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, u); closeWrite(c); done <- struct{}{} }()
	<-done
	<-done
}

func closeWrite(c net.Conn) {
	if hc, ok := c.(interface{ CloseWrite() error }); ok {
		_ = hc.CloseWrite()
		return
	}
	_ = c.Close()
}
