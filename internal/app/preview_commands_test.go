package app

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/release"
)

func TestPreviewReports(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	list := []deploy.Preview{
		{Name: "pr-a", Branch: "feature/a", Branched: []string{"zfront", "zback"}, Created: created, Expires: created.Add(time.Hour), Revision: 3, Status: release.Deployed},
		{Name: "pr-b", Branch: "b", Created: created, Terminating: true},
	}
	var table bytes.Buffer
	if err := writePreviewTable(&table, previewReport{Command: "preview list", Previews: previewResults(list, "")}); err != nil {
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
	if err := writePreviewTable(&table, previewReport{Command: "preview gc", Previews: previewResults(list[:1], "would-delete")}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "ACTION") || !strings.Contains(table.String(), "would-delete") {
		t.Errorf("gc table:\n%s", table.String())
	}

	var doc bytes.Buffer
	if err := writePreviewJSON(&doc, previewReport{Command: "preview list", OK: true}); err != nil {
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
