package app

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/report"
)

func TestPreviewReports(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	list := []deploy.Preview{
		{Name: "pr-a", Branch: "feature/a", Branched: []string{"zfront", "zback"}, Created: created, Expires: created.Add(time.Hour), Revision: 3, Status: release.Deployed},
		{Name: "pr-b", Branch: "b", Created: created, Terminating: true},
	}
	var table bytes.Buffer
	if err := report.WritePreviewTable(&table, report.Previews{Command: "preview list", Previews: previewResults(list, "")}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(table.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") || strings.Contains(lines[0], "ACTION") {
		t.Fatalf("table:\n%s", table.String())
	}
	for _, want := range []string{"pr-a", "feature/a", "zfront,zback", "2026-01-02T03:04:05Z", "2026-01-02T04:04:05Z (expired)", "3", "deployed"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("row %q lacks %q", lines[1], want)
		}
	}
	if f := strings.Fields(lines[2]); len(f) != 7 || f[2] != "-" || f[4] != "-" || f[6] != "terminating" {
		t.Errorf("row of a terminating preview without expiry: %q", lines[2])
	}
	table.Reset()
	if err := report.WritePreviewTable(&table, report.Previews{Command: "preview gc", Previews: previewResults(list[:1], "would-delete")}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "ACTION") || !strings.Contains(table.String(), "would-delete") {
		t.Errorf("gc table:\n%s", table.String())
	}

	var doc bytes.Buffer
	if err := report.JSON(&doc, report.Previews{Command: "preview list", OK: true, Previews: previewResults(nil, "")}); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(doc.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if ps, ok := got["previews"].([]any); !ok || len(ps) != 0 || got["command"] != "preview list" {
		t.Errorf("empty list as JSON: %s", doc.String())
	}
}

func TestPreviewUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := dir + "/x-platform.yml"
	writeFile(t, file, `registry: 127.0.0.1:5000/x
services:
  zbackend:
    dir: src/zbackend
    git: {remote: "file:///srv/git/zbackend.git", reference: main}
    dockerBuilder: {image: busybox, workdir: /src}
    docker: {image: zbackend}
`)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"deploy", "--preview", "feature/x"}, `namespace: "preview-{branch}"`},
		{[]string{"deploy", "--preview", "feature/x", "--env", "staging"}, "--preview takes no --env"},
		{[]string{"deploy", "--preview", "feature/x", "--services", "zbackend"}, "--preview takes no --services"},
		{[]string{"deploy", "--preview", "feature/x", "--ttl", "-1h"}, "--ttl must be a positive duration"},
		{[]string{"deploy", "--env", "staging", "--ttl", "1h"}, "--ttl goes with --preview"},
		{[]string{"preview"}, "preview needs a command"},
		{[]string{"preview", "delete"}, "preview delete takes one preview NAME"},
		{[]string{"preview", "list", "extra"}, "takes no arguments"},
		{[]string{"preview", "gc", "--bogus"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := Run(t.Context(), append([]string{"x-platform", "--file", file}, tt.args...), Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
		if code != ExitUsage || !strings.Contains(errOut.String(), tt.want) || out.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 saying %q", tt.args, code, out.String(), errOut.String(), tt.want)
		}
	}
}
