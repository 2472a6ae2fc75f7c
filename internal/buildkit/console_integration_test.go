package buildkit_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/creack/pty"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationConsoleDrawsALiveDisplay builds with a terminal as the
// console: BuildKit's live display is drawn there (cursor movement, the
// steps by name), the plain log stays empty, and secrets are masked.
func TestIntegrationConsoleDrawsALiveDisplay(t *testing.T) {
	d, _ := engineDaemon(t)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	var screen bytes.Buffer
	var mu sync.Mutex
	read := make(chan struct{})
	go func() {
		defer close(read)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	nonce := testenv.UniqueName(t, "n")
	var log bytes.Buffer
	spec := &buildkit.Spec{
		Name:    "svc",
		Source:  tree(t, map[string]string{"Dockerfile": "FROM scratch\nCOPY out.txt /out.txt\n"}),
		Builder: testenv.BaseImage(t), Mount: "/work",
		Lines:      []string{"echo " + nonce + " > out.txt", "cat /run/secrets/token"},
		Build:      1,
		Secrets:    map[string][]byte{"token": []byte("live-s3cret-" + nonce)},
		Dockerfile: "Dockerfile", Context: ".",
		Names:   []string{testenv.UniqueName(t, "xp-test/live") + ":1"},
		Log:     &log,
		Console: tty,
	}
	if _, err := d.Build(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	<-read
	mu.Lock()
	got := screen.String()
	mu.Unlock()
	if !strings.Contains(got, "\x1b[") || !strings.Contains(got, "svc build 1/1: echo "+nonce) {
		t.Fatalf("no live display on the terminal:\n%q", got)
	}
	if strings.Contains(got, "live-s3cret-") {
		t.Fatal("the secret reached the terminal")
	}
	if log.Len() != 0 {
		t.Fatalf("the plain log got output too: %q", log.String())
	}
}
