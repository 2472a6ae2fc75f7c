package testenv

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var shaRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

func TestIntegrationRemote(t *testing.T) {
	r := NewRemote(t, map[string]string{"README.md": "hello\n", "cmd/main.go": "package main\n"})
	first := r.Head(t, "master")
	if !shaRE.MatchString(first) {
		t.Fatalf("Head(master) = %q, want a 40-hex SHA", first)
	}

	second := r.Commit(t, "master", map[string]string{"README.md": "hello again\n"}, "second")
	feature := r.Commit(t, "feature/x", map[string]string{"x.txt": "x\n"}, "feature")
	removed := r.Remove(t, "master", []string{"cmd/main.go"}, "remove main")
	r.Tag(t, "v1.0.0", first)
	r.AnnotatedTag(t, "v1.1.0", second, "release 1.1.0")

	tests := []struct {
		rev  string
		want string
	}{
		{"refs/heads/master", removed},
		{"refs/heads/feature/x", feature},
		{"refs/heads/feature/x~1", second},
		{"refs/tags/v1.0.0", first},
		{"refs/tags/v1.1.0^{commit}", second},
	}
	for _, tt := range tests {
		if got := RunGit(t, r.Dir, "rev-parse", tt.rev); got != tt.want {
			t.Errorf("rev-parse %s = %s, want %s", tt.rev, got, tt.want)
		}
	}
	if got := RunGit(t, r.Dir, "cat-file", "-t", "v1.1.0"); got != "tag" {
		t.Errorf("v1.1.0 is a %s, want an annotated tag", got)
	}
	if got := RunGit(t, r.Dir, "ls-tree", "--name-only", "-r", "feature/x"); got != "README.md\ncmd/main.go\nx.txt" {
		t.Errorf("feature/x files = %q", got)
	}
}

func TestIntegrationRemoteServeHTTP(t *testing.T) {
	r := NewRemote(t, map[string]string{"a.txt": "a\n"})
	url := r.ServeHTTP(t)

	dst := filepath.Join(t.TempDir(), "clone")
	RunGit(t, "", "clone", "--quiet", url, dst)
	if got := RunGit(t, dst, "rev-parse", "HEAD"); got != r.Head(t, "master") {
		t.Errorf("cloned HEAD = %s, want %s", got, r.Head(t, "master"))
	}

	next := r.Commit(t, "master", map[string]string{"a.txt": "b\n"}, "change a")
	RunGit(t, dst, "pull", "--quiet", "--ff-only")
	if got := RunGit(t, dst, "rev-parse", "HEAD"); got != next {
		t.Errorf("fetched HEAD = %s, want %s", got, next)
	}
	b, err := os.ReadFile(filepath.Join(dst, "a.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "b\n" {
		t.Errorf("a.txt = %q, want %q", b, "b\n")
	}
}
