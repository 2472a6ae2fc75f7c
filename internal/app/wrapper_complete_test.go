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
// completion scripts do, with a `docker` first on PATH that records any
// call: a Tab is answered by a host build on PATH, else from the manifest
// by the wrapper itself, and never by docker.
func TestWrapperCompletionStartsNoContainer(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := completionPlatform(t)
	m := filepath.Join(dir, "x-platform.yml")
	fake := t.TempDir()
	called := filepath.Join(fake, "called")
	writeFile(t, filepath.Join(fake, "docker"), "#!/bin/sh\necho \"$*\" >>"+called+"\nexit 1\n")
	if err := os.Chmod(filepath.Join(fake, "docker"), 0o755); err != nil {
		t.Fatal(err)
	}
	complete := func(path string, words ...string) []string {
		t.Helper()
		cmd := exec.Command(filepath.Join(repo, "bin", "x-platform"), append(words, "--generate-bash-completion")...)
		cmd.Dir = filepath.Join(dir, "k8s")
		cmd.Env = []string{"PATH=" + path, "HOME=" + t.TempDir()}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("completing %q: %v\n%s", words, err, out)
		}
		got := strings.Fields(string(out))
		slices.Sort(got)
		return got
	}
	system := "/usr/local/bin:/usr/bin:/bin"
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
	}
	// The wrapper's own folder on PATH is no host build: it answers itself.
	for _, tt := range tests {
		if got := strings.Join(complete(fake+":"+filepath.Join(repo, "bin")+":"+system, tt.words...), " "); got != tt.want {
			t.Errorf("without a host build, %q: %q, want %q", tt.words, got, tt.want)
		}
	}
	want := visibleCommandNames(newApp(Streams{}).Commands)
	slices.Sort(want)
	if got := complete(fake+":"+system, ""); !slices.Equal(got, want) {
		t.Errorf("the wrapper's commands %q, the program's %q: update bin/x-platform-complete", got, want)
	}

	// With a host build on PATH, it answers, flags included.
	host := filepath.Dir(hostBinary(t))
	for _, tt := range append(tests, struct {
		words []string
		want  string
	}{[]string{"build", "--ke"}, "--keep-going"}) {
		if got := strings.Join(complete(fake+":"+host+":"+system, tt.words...), " "); got != tt.want {
			t.Errorf("with a host build, %q: %q, want %q", tt.words, got, tt.want)
		}
	}
	if b, err := os.ReadFile(called); err == nil {
		t.Fatalf("completion ran docker:\n%s", b)
	}
}

// removeHostBinary removes what hostBinary built.
func removeHostBinary() {
	if hostBuild.path != "" {
		_ = os.RemoveAll(filepath.Dir(hostBuild.path))
	}
}
