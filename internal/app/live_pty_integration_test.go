package app

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/creack/pty"
)

// TestIntegrationLiveViewOnATerminal builds three services with stderr on
// a real terminal (a pty 60 columns wide), one of whose tests fails: the
// live view draws a row per running service in place, keeps every row
// within the terminal's width, and expands the failed service with its
// last lines; with NO_COLOR, or in a CI log, the lines are plain.
func TestIntegrationLiveViewOnATerminal(t *testing.T) {
	for k, v := range map[string]string{"GITHUB_ACTIONS": "", "GITLAB_CI": "", "XP_CI": "", "NO_COLOR": ""} {
		t.Setenv(k, v)
	}
	p := newPlatform(t, "zalpha", "zbeta", "zgamma")
	p.writeManifest(func(name string, svc map[string]string) {
		if name == "zgamma" {
			svc["test"] = `["echo checking the gamma output", "echo gamma test broke >&2", "exit 3"]`
		}
	})
	build := func(env map[string]string) string {
		t.Helper()
		for k, v := range env {
			t.Setenv(k, v)
		}
		ptm, tty, err := pty.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = ptm.Close() }()
		if err := pty.Setsize(ptm, &pty.Winsize{Rows: 24, Cols: 60}); err != nil {
			t.Fatal(err)
		}
		var screen bytes.Buffer
		read := make(chan struct{})
		go func() { _, _ = io.Copy(&screen, ptm); close(read) }()
		var out bytes.Buffer
		args := []string{"x-platform", "--file", filepath.Join(p.root, "x-platform.yml"), "build", "--keep-going"}
		code := Run(context.Background(), args, Streams{In: strings.NewReader(""), Out: &out, Err: tty})
		_ = tty.Close()
		<-read
		if code != ExitFailed || !strings.Contains(out.String(), "zgamma") {
			t.Fatalf("build with a failing test: exit %d\n%s\n%s", code, out.String(), screen.String())
		}
		return strings.ReplaceAll(screen.String(), "\r\n", "\n")
	}

	live := build(nil)
	if !strings.Contains(live, "\r\x1b[J") || !regexp.MustCompile(`\[ ?\d+:\d\d\] z(alpha|beta|gamma) `).MatchString(live) {
		t.Fatalf("no live view on a terminal:\n%q", live)
	}
	// On a terminal results are marked in colour; the failed one is
	// followed by its last lines, indented.
	if !regexp.MustCompile(`zgamma \| \x1b\[31m✗\x1b\[0m test script line 3 [^\n]*exited with code 3\n(    [^\n]+\n){2,}`).MatchString(live) {
		t.Errorf("the failed service is not expanded with its last lines:\n%q", live)
	}
	for _, s := range []string{"zalpha", "zbeta"} {
		if !strings.Contains(live, s+" | \x1b[32m✓\x1b[0m built ") {
			t.Errorf("%s's result line is missing:\n%q", s, live)
		}
	}
	escapes := regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)
	for _, line := range strings.Split(escapes.ReplaceAllString(live, ""), "\n") {
		line = line[strings.LastIndexByte(line, '\r')+1:]
		if n := len([]rune(line)); n > 60 && strings.HasPrefix(line, "[") {
			t.Errorf("a row of %d columns on a terminal of 60: %q", n, line)
		}
	}

	for _, env := range []map[string]string{{"NO_COLOR": "1"}, {"NO_COLOR": "", "XP_CI": "github"}} {
		if plain := build(env); strings.Contains(plain, "\x1b[") || !strings.Contains(plain, "zgamma") {
			t.Errorf("with %v the live view still draws:\n%q", env, plain)
		}
	}
}
