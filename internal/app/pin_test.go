package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// pinSite is a platform folder whose manifest names two real remotes, one
// over file:// and one over smart HTTP. It sets no registry: pin needs none.
type pinSite struct {
	root, file string
	backend    *testenv.Remote
	front      *testenv.Remote
	// commits by name: first and second on backend's master, feature on front.
	commits map[string]string
}

const pinManifestText = `# Release train 12 — edit references with x-platform pin.

services:
  zbackend:   # the API
    dir: src/zbackend
    git:
      remote: %s
      reference: origin/master  # pinned for release 12
      # reference: v1.3.0 was the last release

    dockerBuilder: {image: "builders/go:1.26", workdir: '/src'}
    docker:
      image: x/zbackend
  zfront:
    dir: src/zfront
    git: {remote: %s, reference: "origin/master"}
    dockerBuilder: {image: builders/node, workdir: /src}
    docker: {image: x/zfront}
`

func newPinSite(t *testing.T, lineEnd string) *pinSite {
	t.Helper()
	s := &pinSite{
		root:    t.TempDir(),
		backend: testenv.NewRemote(t, map[string]string{"main.go": "package main\n"}),
		front:   testenv.NewRemote(t, map[string]string{"index.js": "1\n"}),
	}
	s.file = filepath.Join(s.root, "x-platform.yml")
	first := s.backend.Head(t, "master")
	second := s.backend.Commit(t, "master", map[string]string{"main.go": "package main // 2\n"}, "second")
	s.backend.AnnotatedTag(t, "v1.4.2", second, "release 1.4.2")
	feature := s.front.Commit(t, "feature/x", map[string]string{"index.js": "2\n"}, "feature")
	s.commits = map[string]string{"first": first, "second": second, "feature": feature}

	data := fmt.Sprintf(pinManifestText, s.backend.URL, s.front.ServeHTTP(t))
	data = strings.ReplaceAll(data, "\n", lineEnd)
	if err := os.WriteFile(s.file, []byte(data), 0o640); err != nil {
		t.Fatal(err)
	}
	return s
}

// pin runs x-platform with args after the global flags and returns the exit
// code, stdout and stderr.
func (s *pinSite) pin(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	all := append([]string{"x-platform", "--file", s.file}, args...)
	code := Run(t.Context(), all, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

func (s *pinSite) read(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(s.file)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// replaceOnce is the file expected after a pin: old, unique in data, becomes new.
func replaceOnce(t *testing.T, data, old, new string) string {
	t.Helper()
	if n := strings.Count(data, old); n != 1 {
		t.Fatalf("%q occurs %d times in the manifest, want once", old, n)
	}
	return strings.Replace(data, old, new, 1)
}

func TestIntegrationPin(t *testing.T) {
	for name, eol := range map[string]string{"lf": "\n", "crlf": "\r\n"} {
		t.Run(name, func(t *testing.T) {
			s := newPinSite(t, eol)
			steps := []struct {
				args           []string
				code           int
				stdout, stderr string // stdout exactly, part of stderr
				old, new       string // the manifest text that changes; "" for none
			}{{
				args:   []string{"pin", "zbackend", "v1.4.2"},
				stdout: "zbackend: origin/master → v1.4.2 (" + s.commits["second"][:12] + ")\n",
				stderr: "checking " + s.backend.URL + " for v1.4.2",
				old:    "reference: origin/master  # pinned", new: "reference: v1.4.2  # pinned",
			}, {
				args:   []string{"pin", "zfront", "feature/x"},
				stdout: "zfront: origin/master → feature/x (" + s.commits["feature"][:12] + ")\n",
				old:    `reference: "origin/master"}`, new: `reference: "feature/x"}`,
			}, {
				args:   []string{"pin", "zbackend", s.commits["second"]},
				stdout: "zbackend: v1.4.2 → " + s.commits["second"] + " (" + s.commits["second"][:12] + ")\n",
				old:    "reference: v1.4.2  #", new: "reference: " + s.commits["second"] + "  #",
			}, {
				args:   []string{"pin", "zbackend", "v1.4.3"},
				code:   ExitFailed,
				stderr: "unknown reference: no branch or tag of the remote has that name; close names: v1.4.2",
			}, {
				args:   []string{"pin", "zbackend", "release/99"},
				code:   ExitFailed,
				stderr: "unknown reference",
			}, {
				// The first commit is no tip, and there is no checkout to find it in.
				args:   []string{"pin", "zbackend", s.commits["first"]},
				code:   ExitFailed,
				stderr: "commit is not the tip of any branch or tag of the remote",
			}, {
				args:   []string{"pin", "--no-verify", "zbackend", "release/99"},
				stdout: "zbackend: " + s.commits["second"] + " → release/99 (not verified)\n",
				old:    s.commits["second"] + "  #", new: "release/99  #",
			}, {
				args:   []string{"pin", "zbackend", "release/99"},
				code:   ExitFailed,
				stderr: "unknown reference",
			}}
			want := s.read(t)
			for _, st := range steps {
				code, stdout, stderr := s.pin(t, st.args...)
				if code != st.code || stdout != st.stdout || !strings.Contains(stderr, st.stderr) {
					t.Fatalf("%v: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr containing %q",
						st.args, code, stdout, stderr, st.code, st.stdout, st.stderr)
				}
				if st.old != "" {
					want = replaceOnce(t, want, st.old, st.new)
				}
				if got := s.read(t); got != want {
					t.Fatalf("%v: manifest is\n%s\nwant\n%s", st.args, got, want)
				}
			}
			assertPinFolder(t, s)
		})
	}
}

// assertPinFolder checks that the manifest kept its mode and that no
// temporary file was left beside it.
func assertPinFolder(t *testing.T, s *pinSite) {
	t.Helper()
	fi, err := os.Stat(s.file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("manifest mode = %v, want -rw-r-----", fi.Mode().Perm())
	}
	entries, err := os.ReadDir(s.root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		// .x-platform holds the lock files that pin takes.
		if e.Name() != "x-platform.yml" && e.Name() != "src" && e.Name() != ".x-platform" {
			t.Errorf("unexpected %s in the platform folder", e.Name())
		}
	}
}

func TestIntegrationPinCommitFromCheckout(t *testing.T) {
	s := newPinSite(t, "\n")
	first := s.commits["first"]
	before := s.read(t)
	if code, _, stderr := s.pin(t, "pin", "zbackend", first); code != ExitFailed || !strings.Contains(stderr, "fetch it first with x-platform sync --services zbackend") {
		t.Fatalf("pin without a checkout: exit %d, stderr %q; want exit 1 with a hint", code, stderr)
	}
	if s.read(t) != before {
		t.Fatal("a failed pin changed the manifest")
	}
	dir := filepath.Join(s.root, "src", "zbackend")
	if _, err := gitsync.Sync(t.Context(), gitsync.Request{Remote: s.backend.URL, Dir: dir, Reference: "origin/master"}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := s.pin(t, "--output", "json", "pin", "zbackend", first)
	if code != ExitOK || !strings.Contains(stderr, "warning: "+first[:12]+" is no branch or tag tip") {
		t.Fatalf("pin with a checkout: exit %d, stderr %q; want exit 0 with a warning", code, stderr)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, stdout)
	}
	want := report.ServiceResult{Name: "zbackend", Commit: first, Reference: first, Action: report.ActionPinned}
	if !r.OK || r.Command != "pin" || len(r.Services) != 1 || r.Services[0].Name != want.Name ||
		r.Services[0].Commit != want.Commit || r.Services[0].Reference != want.Reference || r.Services[0].Action != want.Action {
		t.Errorf("report = %+v, want one service %+v", r, want)
	}
	if got, exp := s.read(t), replaceOnce(t, before, "reference: origin/master  #", "reference: "+first+"  #"); got != exp {
		t.Errorf("manifest is\n%s\nwant\n%s", got, exp)
	}
}

func TestIntegrationPinExitCodes(t *testing.T) {
	s := newPinSite(t, "\n")
	broken := filepath.Join(s.root, "broken.yml")
	if err := os.WriteFile(broken, []byte("services:\n  z: {dir: z}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unreachable := filepath.Join(s.root, "unreachable.yml")
	data := strings.Replace(s.read(t), s.backend.URL, "file://"+filepath.Join(s.root, "none.git"), 1)
	if err := os.WriteFile(unreachable, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
		report report.Action // in the JSON report on stdout; "" for none
	}{
		{"no arguments", []string{"pin"}, ExitUsage, "pin takes SERVICE REFERENCE, got 0", ""},
		{"one argument", []string{"pin", "zbackend"}, ExitUsage, "got 1", ""},
		{"three arguments", []string{"pin", "zbackend", "v1", "v2"}, ExitUsage, "got 3", ""},
		{"unknown service", []string{"pin", "zbackand", "v1.4.2"}, ExitUsage, "unknown service zbackand (valid: zbackend, zfront)", ""},
		{"invalid reference", []string{"pin", "zbackend", "v1 2"}, ExitUsage, "must not contain whitespace", ""},
		{"invalid manifest", []string{"--file", broken, "pin", "z", "v1"}, ExitUsage, "services.z.git: required key is missing", ""},
		{"missing manifest", []string{"--file", filepath.Join(s.root, "none.yml"), "pin", "z", "v1"}, ExitUsage, "no such file", ""},
		{"unreachable remote", []string{"--file", unreachable, "pin", "zbackend", "v1.4.2"}, ExitFailed, "listing references of file://", ""},
		{"missing reference", []string{"--output", "json", "pin", "zbackend", "v9"}, ExitFailed, "unknown reference", report.ActionFailed},
	}
	files := map[string]string{s.file: s.read(t), broken: "", unreachable: data}
	for f := range files {
		b, _ := os.ReadFile(f)
		files[f] = string(b)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := s.pin(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want exit %d, stderr containing %q", code, stderr, tt.code, tt.stderr)
			}
			if tt.report == "" && stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if tt.report != "" {
				var r report.Report
				if err := json.Unmarshal([]byte(stdout), &r); err != nil || r.OK || len(r.Services) != 1 || r.Services[0].Action != tt.report || r.Services[0].Error == "" {
					t.Errorf("report = %+v (%v), want one %s service with an error", r, err, tt.report)
				}
			}
			for f, want := range files {
				if b, _ := os.ReadFile(f); string(b) != want {
					t.Errorf("%s changed", filepath.Base(f))
				}
			}
		})
	}
}
