package manifest

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/distribution/reference"
)

// FuzzParse checks that no input makes Parse panic, that every problem it
// reports points somewhere in the file, and that what it accepts keeps its
// promises: every service folder stays inside the platform folder once its
// links are followed, and every name and path is fit for its use.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("services: {a: &a {<<: [*a]}}\n"))
	f.Add([]byte("a: b\n---\n"))
	for _, dir := range []string{"src/out", "src/hooks", "src/backups/a", "src/inside", "src/deeper/x", "src/loop", ".git/x", "real/a/../../x"} {
		f.Add([]byte(serviceWithDir(dir)))
	}
	// The manifest sits in a folder whose links lead out, into .git and
	// around in a loop, so the fuzzer can spell its way through them.
	root := symlinkedPlatform(f)
	manifest := filepath.Join(root, "x.yml")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(manifest, data)
		if err == nil {
			checkAccepted(t, m)
			return
		}
		var errs Errors
		if !errors.As(err, &errs) {
			t.Fatalf("error %v (%T) is not Errors", err, err)
		}
		lines := 1
		for rest := data; len(rest) > 0; {
			if n := lineBreak(rest); n > 0 {
				lines++
				rest = rest[n:]
				continue
			}
			_, size := utf8.DecodeRune(rest)
			rest = rest[size:]
		}
		for _, e := range errs {
			if e.Line < 1 || e.Line > lines || e.Col < 1 {
				t.Errorf("problem outside the %d-line file: %v", lines, e)
			}
		}
	})
}

// checkAccepted fails t unless the manifest m, which Parse accepted, keeps
// the promises of FuzzParse.
func checkAccepted(t *testing.T, m *Manifest) {
	t.Helper()
	if len(m.Services) == 0 {
		t.Fatal("a manifest without services was accepted")
	}
	realRoot := followLinks(t, m.Root)
	for _, s := range m.Services {
		if _, err := reference.ParseNamed("registry.example.com/" + s.Name); err != nil || strings.Contains(s.Name, "/") {
			t.Errorf("service name %q is not an image path component: %v", s.Name, err)
		}
		rel, err := filepath.Rel(realRoot, followLinks(t, s.AbsDir))
		rel = filepath.ToSlash(rel)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
			t.Errorf("service %s: dir %q leads to %q, not below the platform folder", s.Name, s.Dir, rel)
		}
		for _, p := range []string{rel, path.Join(rel, s.Git.Path, s.Docker.Context), path.Join(rel, s.Git.Path, s.Docker.Dockerfile)} {
			if p == ".." || strings.HasPrefix(p, "../") || toolOwned(p) != "" {
				t.Errorf("service %s: %q is outside the platform folder or in a folder git or x-platform keep", s.Name, p)
			}
		}
		if !s.HasBuilder() {
			if len(s.Scripts.Build)+len(s.Scripts.Test) > 0 || s.DockerBuilder.Workdir != "" {
				t.Errorf("service %s: scripts or a workdir accepted without a builder image", s.Name)
			}
			continue
		}
		w := path.Clean(s.DockerBuilder.Workdir)
		if !path.IsAbs(w) || w == "/" || systemDirs[w] || strings.HasPrefix(w, "/proc/") || strings.HasPrefix(w, "/sys/") || strings.HasPrefix(w, "/dev/") {
			t.Errorf("service %s: workdir %q accepted", s.Name, s.DockerBuilder.Workdir)
		}
	}
}

// followLinks resolves the links of the longest part of p that
// filepath.EvalSymlinks can follow and appends the rest as written.
func followLinks(t *testing.T, p string) string {
	t.Helper()
	for prefix, rest := p, ""; ; {
		if real, err := filepath.EvalSymlinks(prefix); err == nil {
			return filepath.Join(real, rest)
		}
		parent := filepath.Dir(prefix)
		if parent == prefix {
			t.Fatalf("no part of %s exists", p)
		}
		rest = filepath.Join(filepath.Base(prefix), rest)
		prefix = parent
	}
}
