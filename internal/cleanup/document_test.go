package cleanup

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/retention"
)

func goldenDigest(c string) string { return "sha256:" + strings.Repeat(c, 64) }

// goldenDocs are the documents of report's cleanup golden files, made
// from the results a cleanup returns.
func goldenDocs() map[string]report.Cleanup {
	created := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	res := &Result{
		Registry: "reg.example:5000/x",
		Plan: retention.Plan{Repositories: []retention.RepositoryPlan{{
			Service: "zbackend", Repository: "zbackend",
			Keep: []retention.Decision{
				{Digest: goldenDigest("1"), Tags: []string{"main", "0123456789abcdef0123456789abcdef01234567"}, Created: created, Reasons: []string{"deployed in staging (revision 4)", "pinned by x-platform.lock at main"}},
				{Digest: goldenDigest("2"), Tags: []string{"sha256-1111.sig", "sha256-1111.att"}, Reasons: []string{"belongs to kept image sha256:111111111111", "recent"}, Subject: goldenDigest("1")},
			},
			Delete: []retention.Decision{
				{Digest: goldenDigest("3"), Tags: []string{"feature-a", "feature-b", "feature-c", "feature-d", "feature-e"}, Created: created.Add(-48 * time.Hour), Reasons: []string{"no rule keeps it", "branch feature-a is older than 30 days"}},
				{Digest: goldenDigest("4"), Tags: []string{"old-1", "old-2"}, Created: created.Add(-72 * time.Hour), Reasons: []string{"no rule keeps it", "superseded"}},
				{Digest: goldenDigest("5"), Tags: []string{"sha256-3333.sig", "sha256-3333.att"}, Reasons: []string{"belongs to deleted image sha256:333333333333", "no rule keeps it"}, Subject: goldenDigest("3")},
			},
		}, {
			Service: "zfrontend", Repository: "team/zfrontend",
			Keep: []retention.Decision{
				{Digest: goldenDigest("6"), Tags: []string{"v1.2.0", "latest"}, Created: created, Reasons: []string{"git tag v1.2.0", "a tag no build writes"}},
				{Digest: goldenDigest("7"), Tags: []string{}, Created: created, Reasons: []string{"keep rule team/zfrontend@sha256:777", "recent"}},
			},
			Delete: []retention.Decision{
				{Digest: goldenDigest("8"), Tags: []string{"hotfix-1", "hotfix-2"}, Created: created.Add(-96 * time.Hour), Reasons: []string{"no rule keeps it", "branch gone"}},
				{Digest: goldenDigest("9"), Tags: []string{"exp-1", "exp-2"}, Reasons: []string{"no rule keeps it", "unknown age"}},
			},
			Refused: "environment prod could not be read (connection refused); pass --skip-unreachable to delete without its releases",
		}}},
		Unreachable: []Unreachable{{Env: "prod", Reason: "connection refused"}, {Env: "qa", Reason: "<no route> & \"timeout\""}},
		Notes:       []string{"environment qa was skipped (--skip-unreachable)", "a tag <latest> & more"},
	}
	rep := &Report{
		Outcomes: []Outcome{
			{Service: "zbackend", Repository: "zbackend", Digest: goldenDigest("3"), Deleted: []string{"feature-a", "feature-b"}, Done: true, ManifestDeleted: true},
			{Service: "zbackend", Repository: "zbackend", Digest: goldenDigest("4"), Deleted: []string{"old-1", "old-2"}, Kept: "tag old-3 points at it since the plan; its manifest stays"},
			{Service: "zfrontend", Repository: "team/zfrontend", Digest: goldenDigest("8"), Refused: "environment prod could not be read"},
			{Service: "zfrontend", Repository: "team/zfrontend", Digest: goldenDigest("9"), Error: "DELETE https://reg.example:5000/v2/x/team/zfrontend/manifests/exp-1: 500"},
		},
		NoTagDeletes: []string{"reg.example:5000/x/zbackend", "reg.example:5000/x/team/zfrontend"},
	}
	applied := NewDocument(res, rep)
	applied.DurationMs = 1234
	plan := NewDocument(res, nil)
	plan.DurationMs = 56
	empty := NewDocument(&Result{Registry: "reg.example:5000/x", Plan: retention.Plan{Repositories: []retention.RepositoryPlan{{
		Service: "zbackend", Repository: "zbackend", Keep: []retention.Decision{{Digest: goldenDigest("1"), Reasons: []string{"recent"}}},
	}}}}, &Report{})
	none := NewDocument(&Result{Registry: "reg.example:5000/x"}, nil)
	return map[string]report.Cleanup{"cleanup-applied": applied, "cleanup-plan": plan, "cleanup-nothing-deleted": empty, "cleanup-no-repositories": none}
}

// TestNewDocumentMatchesGoldenFiles checks that the conversion carries
// every field of a plan and its deletes into the document, nil and empty
// lists as they were: the golden files are report's.
func TestNewDocumentMatchesGoldenFiles(t *testing.T) {
	t.Parallel()
	for name, doc := range goldenDocs() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var js, text bytes.Buffer
			if err := report.JSON(&js, doc); err != nil {
				t.Fatal(err)
			}
			if err := report.WriteCleanupTable(&text, doc); err != nil {
				t.Fatal(err)
			}
			for file, got := range map[string][]byte{name + ".json": js.Bytes(), name + ".txt": text.Bytes()} {
				want, err := os.ReadFile(filepath.Join("..", "report", "testdata", file))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", file, got, want)
				}
			}
		})
	}
}
