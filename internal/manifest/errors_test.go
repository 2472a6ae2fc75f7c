package manifest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{File: "x-platform.yml", Line: 3, Col: 7, Key: "services.a.dir", Msg: "must not be empty"},
			"x-platform.yml:3:7: services.a.dir: must not be empty"},
		{&Error{File: "../x.yml", Line: 1, Col: 1, Msg: "invalid YAML: oops"},
			"../x.yml:1:1: invalid YAML: oops"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// TestParseReportsEveryProblemInOrder checks that problems are collected
// across the whole file and sorted by position, even when found out of
// order (a missing key is found after its siblings but reported at the
// parent's key).
func TestParseReportsEveryProblemInOrder(t *testing.T) {
	const data = `registry: https://registry.example.com
services:
  zbackend:
    dir: /src/zbackend
    dockerBuilder:
      image: builders/zbackend:newest
      workdir: src
    docker:
      image: zbackend
      buildArgs: {9LIVES: x}
  Zfront:
    dir: src/zfront
    git: {remote: ./zfront.git, reference: main, branch: main}
    dockerBuilder: {image: b, workdir: /src}
    docker: {image: zfront}
    scripts: {build: make}
deployments: {}
`
	want := []string{
		"in/x.yml:1:11: registry: must not include a scheme",
		"in/x.yml:3:3: services.zbackend.git: required key is missing",
		"in/x.yml:4:10: services.zbackend.dir: must be relative",
		"in/x.yml:7:16: services.zbackend.dockerBuilder.workdir: must be an absolute path",
		"in/x.yml:10:19: services.zbackend.docker.buildArgs.9LIVES: not a valid build ARG name",
		"in/x.yml:11:3: services.Zfront: service name must be a DNS-1123 label",
		"in/x.yml:13:50: services.Zfront.git.branch: unknown key",
		"in/x.yml:16:22: services.Zfront.scripts.build: must be a list of strings, got a string",
		"in/x.yml:17:1: deployments: unknown key",
	}
	_, err := Parse("in/x.yml", []byte(data))
	var errs Errors
	if !errors.As(fmt.Errorf("loading: %w", err), &errs) {
		t.Fatalf("error %v (%T) is not Errors", err, err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(errs) != len(want) || len(lines) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, lines[i], w)
		}
	}
}

// TestParseReportsMergedProblemOnce checks that a problem inside a mapping
// merged into several places is reported once per key path, not once per
// walk.
func TestParseReportsMergedProblemOnce(t *testing.T) {
	const data = `services:
  a:
    dir: a
    git: {remote: r, reference: main}
    dockerBuilder: &b {image: b, workdir: /src, workdir: /src}
    docker: {image: a}
  b:
    dir: b
    git: {remote: r, reference: main}
    dockerBuilder: {<<: *b}
    docker: {image: b}
`
	_, err := Parse("x.yml", []byte(data))
	want := "x.yml:5:49: services.a.dockerBuilder.workdir: key already defined at line 5\n" +
		"x.yml:5:49: services.b.dockerBuilder.workdir: key already defined at line 5"
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}
