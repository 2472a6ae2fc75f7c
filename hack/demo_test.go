package hack

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// demoCommitter is who demo.sh commits as; commits by anyone else are the
// user's own.
var demoCommitter = []string{
	"GIT_AUTHOR_NAME=X Platform demo", "GIT_AUTHOR_EMAIL=demo@x-platform.invalid",
	"GIT_COMMITTER_NAME=X Platform demo", "GIT_COMMITTER_EMAIL=demo@x-platform.invalid",
}

var userCommitter = []string{
	"GIT_AUTHOR_NAME=Dev", "GIT_AUTHOR_EMAIL=dev@example.invalid",
	"GIT_COMMITTER_NAME=Dev", "GIT_COMMITTER_EMAIL=dev@example.invalid",
}

// demoTree lays out what `make demo` leaves, in a copy of the repository's
// demo.sh and Makefile: a demo remote, demo.sh's work clone of it and the
// checkout x-platform made, all holding only demo.sh's commit.
func demoTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range []string{"demo.sh", "../Makefile"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, "hack", f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	demo := filepath.Join(root, ".x-platform", "demo")
	remote := filepath.Join(demo, "remotes", "zbackend.git")
	work := filepath.Join(demo, "work", "zbackend")
	git(t, root, demoCommitter, "init", "-q", "--bare", "-b", "master", remote)
	git(t, root, demoCommitter, "clone", "-q", remote, work)
	put(t, work, "main.go", "package main\n")
	git(t, work, demoCommitter, "add", "-A")
	git(t, work, demoCommitter, "commit", "-q", "-m", "update zbackend from examples/")
	git(t, work, demoCommitter, "push", "-q", "origin", "HEAD:master")
	git(t, root, demoCommitter, "clone", "-q", remote, filepath.Join(root, "src", "zbackend"))
	if err := os.MkdirAll(filepath.Join(root, "src", "zfrontend"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

func git(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(testEnv(t), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// testEnv keeps git away from the machine's configuration and the real HOME.
func testEnv(t *testing.T) []string {
	return append(os.Environ(), "HOME="+t.TempDir(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
}

func put(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// clean runs `make demo-clean` with args in root and returns its exit code
// and standard error.
func clean(t *testing.T, root string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("make", append([]string{"-s", "demo-clean"}, args...)...)
	cmd.Dir = root
	cmd.Env = testEnv(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

func exists(t *testing.T, p string) bool {
	t.Helper()
	_, err := os.Stat(p)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

func TestDemoCleanRefusesToDeleteLocalWork(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, root string)
		want  []string // what the refusal must say
	}{{
		name: "uncommitted change",
		setup: func(t *testing.T, root string) {
			put(t, filepath.Join(root, "src/zbackend"), "main.go", "package main // edited\n")
		},
		want: []string{"src/zbackend has local work: uncommitted changes (1 files)"},
	}, {
		name: "untracked file",
		setup: func(t *testing.T, root string) {
			put(t, filepath.Join(root, ".x-platform/demo/work/zbackend"), "notes.md", "todo\n")
		},
		want: []string{".x-platform/demo/work/zbackend has local work: uncommitted changes (1 files)"},
	}, {
		name: "stash",
		setup: func(t *testing.T, root string) {
			dir := filepath.Join(root, "src/zbackend")
			put(t, dir, "main.go", "package main // stashed\n")
			git(t, dir, userCommitter, "stash", "-q")
		},
		want: []string{"src/zbackend has local work: stashes (1)"},
	}, {
		name: "unpushed commit",
		setup: func(t *testing.T, root string) {
			dir := filepath.Join(root, "src/zbackend")
			put(t, dir, "fix.go", "package main\n")
			git(t, dir, userCommitter, "add", "fix.go")
			git(t, dir, userCommitter, "commit", "-q", "-m", "fix the handler")
		},
		want: []string{"src/zbackend has local work: commits of your own, on no remote outside the demo (1): ", "fix the handler"},
	}, {
		name: "commit pushed only to the demo's remote",
		setup: func(t *testing.T, root string) {
			dir := filepath.Join(root, "src/zbackend")
			put(t, dir, "fix.go", "package main\n")
			git(t, dir, userCommitter, "add", "fix.go")
			git(t, dir, userCommitter, "commit", "-q", "-m", "pushed fix")
			git(t, dir, userCommitter, "push", "-q", "origin", "HEAD:master")
		},
		want: []string{".x-platform/demo/remotes/zbackend.git has local work: commits of your own", "pushed fix"},
	}, {
		name: "files in a checkout folder that is no repository",
		setup: func(t *testing.T, root string) {
			put(t, filepath.Join(root, "src/zfrontend"), "index.html", "<p>mine</p>\n")
		},
		want: []string{"src/zfrontend has local work: files that are in no git repository"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := demoTree(t)
			tt.setup(t, root)
			code, stderr := clean(t, root)
			if code == 0 {
				t.Fatalf("demo-clean deleted local work; stderr:\n%s", stderr)
			}
			for _, want := range append(tt.want, "removed nothing", "make demo-clean FORCE=1") {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			for _, p := range []string{"src/zbackend", "src/zfrontend", ".x-platform/demo/remotes/zbackend.git"} {
				if !exists(t, filepath.Join(root, p)) {
					t.Errorf("%s was removed although demo-clean refused", p)
				}
			}

			if code, stderr := clean(t, root, "FORCE=1"); code != 0 {
				t.Fatalf("demo-clean FORCE=1 exit %d:\n%s", code, stderr)
			}
			for _, p := range []string{"src/zbackend", "src/zfrontend", ".x-platform/demo"} {
				if exists(t, filepath.Join(root, p)) {
					t.Errorf("%s survived demo-clean FORCE=1", p)
				}
			}
		})
	}
}

func TestDemoCleanRemovesWhatTheDemoMade(t *testing.T) {
	t.Parallel()
	root := demoTree(t)
	if code, stderr := clean(t, root, "FORCE=0"); code != 0 {
		t.Fatalf("demo-clean exit %d with no local work:\n%s", code, stderr)
	}
	for _, p := range []string{"src/zbackend", "src/zfrontend", ".x-platform/demo"} {
		if exists(t, filepath.Join(root, p)) {
			t.Errorf("%s survived demo-clean", p)
		}
	}
}
