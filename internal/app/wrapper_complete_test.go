package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

var hostBuild struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// hostBinary builds x-platform once for the tests that run it as a shell
// does; TestMain removes it.
func hostBinary(t testing.TB) string {
	t.Helper()
	hostBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "x-platform-host-")
		if err != nil {
			hostBuild.err = err
			return
		}
		hostBuild.path = filepath.Join(dir, "x-platform")
		hostBuild.out, hostBuild.err = exec.Command("go", "build", "-o", hostBuild.path, "../..").CombinedOutput()
	})
	if hostBuild.err != nil {
		t.Fatalf("go build: %v\n%s", hostBuild.err, hostBuild.out)
	}
	return hostBuild.path
}

// TestWrapperCompletionStartsNoContainer runs bin/x-platform as the
// completion scripts do, with a `docker` and an `x-platform` first on PATH
// that record any call: a Tab is answered by the wrapper itself, from
// bin/x-platform-complete and the manifest.
func TestWrapperCompletionStartsNoContainer(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := completionPlatform(t)
	m := filepath.Join(dir, "x-platform.yml")
	fake := t.TempDir()
	called := filepath.Join(fake, "called")
	for _, prog := range []string{"docker", "x-platform"} {
		writeFile(t, filepath.Join(fake, prog), "#!/bin/sh\necho \"$0 $*\" >>"+called+"\nexit 1\n")
		if err := os.Chmod(filepath.Join(fake, prog), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	complete := func(words ...string) []string {
		t.Helper()
		cmd := exec.Command(filepath.Join(repo, "bin", "x-platform"), append(words, "--generate-bash-completion")...)
		cmd.Dir = filepath.Join(dir, "k8s")
		cmd.Env = []string{"PATH=" + fake + ":/usr/local/bin:/usr/bin:/bin", "HOME=" + t.TempDir()}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("completing %q: %v\n%s", words, err, out)
		}
		got := strings.Fields(string(out))
		slices.Sort(got)
		return got
	}
	tests := []struct {
		words []string
		want  string
	}{
		{[]string{"dep"}, "deploy"},
		{[]string{"deploy", "--env", ""}, "production qa staging"},
		{[]string{"--file", m, "promote", "--from", "qa", "--to", "s"}, "staging"},
		{[]string{"-f", m, "build", "-s", ""}, "zback zfront"},
		{[]string{"build", "--services", "zb"}, "zback"},
		{[]string{"pin", ""}, "zback zfront"},
		{[]string{"update-builder", ""}, "gobuilder zback zfront"},
		{[]string{"-o", ""}, "json text"},
		{[]string{"preview", ""}, "delete gc list"},
		{[]string{"import", ""}, "skaffold"},
		{[]string{"deploy", "--kubeconfig", ""}, ""},
		{[]string{"build", "--ke"}, "--keep-going"},
	}
	for _, tt := range tests {
		if got := strings.Join(complete(tt.words...), " "); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.words, got, tt.want)
		}
	}
	want := visibleCommandNames(newApp(Streams{}).Commands)
	slices.Sort(want)
	if got := complete(""); !slices.Equal(got, want) {
		t.Errorf("the wrapper's commands %q, the program's %q: run make completion", got, want)
	}
	if b, err := os.ReadFile(called); err == nil {
		t.Fatalf("completion ran a program:\n%s", b)
	}
}

// removeHostBinary removes what hostBinary built.
func removeHostBinary() {
	if hostBuild.path != "" {
		_ = os.RemoveAll(filepath.Dir(hostBuild.path))
	}
}
