package testenv

import (
	"bytes"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Remote is a bare git repository on disk that tests clone and fetch from.
type Remote struct {
	Dir string // path of the bare repository
	URL string // file:// URL of Dir

	mu      sync.Mutex
	scratch string // a clone used to make commits and push them
}

// gitEnv keeps the git CLI independent of the machine's configuration, so
// commits never depend on a global user.name or init.defaultBranch.
var gitEnv = []string{
	"GIT_CONFIG_NOSYSTEM=1",
	"GIT_CONFIG_GLOBAL=" + os.DevNull,
	"GIT_AUTHOR_NAME=X Platform Test",
	"GIT_AUTHOR_EMAIL=test@x-platform.invalid",
	"GIT_COMMITTER_NAME=X Platform Test",
	"GIT_COMMITTER_EMAIL=test@x-platform.invalid",
	"GIT_TERMINAL_PROMPT=0",
}

// RunGit runs the git CLI in dir with a configuration-free environment and
// returns its trimmed standard output; it fails the test on error.
func RunGit(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), gitEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// NewRemote creates a bare repository whose master branch holds one commit
// with files (path → content).
func NewRemote(t testing.TB, files map[string]string) *Remote {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "remote.git")
	RunGit(t, "", "init", "--quiet", "--bare", "--initial-branch=master", dir)
	r := &Remote{Dir: dir, URL: "file://" + filepath.ToSlash(dir), scratch: filepath.Join(t.TempDir(), "work")}
	RunGit(t, "", "init", "--quiet", "--initial-branch=master", r.scratch)
	RunGit(t, r.scratch, "remote", "add", "origin", dir)
	writeFiles(t, r.scratch, files)
	RunGit(t, r.scratch, "add", "--all")
	RunGit(t, r.scratch, "commit", "--quiet", "--allow-empty", "-m", "initial commit")
	RunGit(t, r.scratch, "push", "--quiet", "origin", "HEAD:refs/heads/master")
	return r
}

// Commit writes files (path → content) on branch, creating the branch from
// master when it is new, pushes it and returns the new commit's SHA.
func (r *Remote) Commit(t testing.TB, branch string, files map[string]string, msg string) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checkout(t, branch)
	writeFiles(t, r.scratch, files)
	return r.commitAndPush(t, branch, msg)
}

// Remove deletes paths on branch, pushes and returns the new commit's SHA.
func (r *Remote) Remove(t testing.TB, branch string, paths []string, msg string) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checkout(t, branch)
	RunGit(t, r.scratch, append([]string{"rm", "--quiet", "--"}, paths...)...)
	return r.commitAndPush(t, branch, msg)
}

// Tag creates the lightweight tag name at sha in the repository.
func (r *Remote) Tag(t testing.TB, name, sha string) {
	t.Helper()
	RunGit(t, r.Dir, "tag", name, sha)
}

// AnnotatedTag creates the annotated tag name at sha in the repository.
func (r *Remote) AnnotatedTag(t testing.TB, name, sha, msg string) {
	t.Helper()
	RunGit(t, r.Dir, "tag", "--annotate", "--message", msg, name, sha)
}

// Head returns the SHA at the tip of branch.
func (r *Remote) Head(t testing.TB, branch string) string {
	t.Helper()
	return RunGit(t, r.Dir, "rev-parse", "--verify", "refs/heads/"+branch+"^{commit}")
}

// ServeHTTP serves the repository over git's smart HTTP protocol on a
// loopback port until the test ends and returns its clone URL.
func (r *Remote) ServeHTTP(t testing.TB) string {
	t.Helper()
	return r.ServeHTTPAuth(t, "", "").URL
}

// GitHTTP is a smart-HTTP git server on loopback that records the
// credentials every request carried, so a test can tell which host
// received which secret.
type GitHTTP struct {
	URL string // clone URL of the repository

	mu   sync.Mutex
	seen []string
}

// Seen returns "user:password" for each request that sent basic
// credentials and "" for each that sent none, in order.
func (g *GitHTTP) Seen() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.seen...)
}

// ServeHTTPAuth serves the repository like ServeHTTP; when user and pass are
// set, a request without exactly those credentials gets 401, as a host that
// takes a token does.
func (r *Remote) ServeHTTPAuth(t testing.TB, user, pass string) *GitHTTP {
	t.Helper()
	backend := &cgi.Handler{
		Path: filepath.Join(RunGit(t, "", "--exec-path"), "git-http-backend"),
		Env: append(gitEnv,
			"GIT_PROJECT_ROOT="+filepath.Dir(r.Dir),
			"GIT_HTTP_EXPORT_ALL=1",
		),
	}
	g := &GitHTTP{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		u, p, ok := req.BasicAuth()
		g.mu.Lock()
		if ok {
			g.seen = append(g.seen, u+":"+p)
		} else {
			g.seen = append(g.seen, "")
		}
		g.mu.Unlock()
		if pass != "" && (u != user || p != pass) {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	g.URL = srv.URL + "/" + filepath.Base(r.Dir)
	return g
}

func (r *Remote) checkout(t testing.TB, branch string) {
	t.Helper()
	RunGit(t, r.scratch, "fetch", "--quiet", "--prune", "origin")
	start := "origin/master"
	if RunGit(t, r.scratch, "ls-remote", "--heads", "origin", "refs/heads/"+branch) != "" {
		start = "origin/" + branch
	}
	RunGit(t, r.scratch, "checkout", "--quiet", "--force", "-B", branch, start)
}

func (r *Remote) commitAndPush(t testing.TB, branch, msg string) string {
	t.Helper()
	RunGit(t, r.scratch, "add", "--all")
	RunGit(t, r.scratch, "commit", "--quiet", "--allow-empty", "-m", msg)
	RunGit(t, r.scratch, "push", "--quiet", "origin", "HEAD:refs/heads/"+branch)
	return RunGit(t, r.scratch, "rev-parse", "HEAD")
}

func writeFiles(t testing.TB, root string, files map[string]string) {
	t.Helper()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
