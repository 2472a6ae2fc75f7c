package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func cleanupDigest(c string) string { return "sha256:" + strings.Repeat(c, 64) }

// cleanupDocuments fill every field of the cleanup document: a plan, the
// same plan applied, an apply that deleted nothing, and no repository.
func cleanupDocuments() map[string]Cleanup {
	created := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	repos := []CleanupRepository{{
		Service: "zbackend", Repository: "zbackend",
		Keep: []CleanupDecision{
			{Digest: cleanupDigest("1"), Tags: []string{"main", "0123456789abcdef0123456789abcdef01234567"}, Created: created, Reasons: []string{"deployed in staging (revision 4)", "pinned by x-platform.lock at main"}},
			{Digest: cleanupDigest("2"), Tags: []string{"sha256-1111.sig", "sha256-1111.att"}, Reasons: []string{"belongs to kept image sha256:111111111111", "recent"}, Subject: cleanupDigest("1")},
		},
		Delete: []CleanupDecision{
			{Digest: cleanupDigest("3"), Tags: []string{"feature-a", "feature-b", "feature-c", "feature-d", "feature-e"}, Created: created.Add(-48 * time.Hour), Reasons: []string{"no rule keeps it", "branch feature-a is older than 30 days"}},
			{Digest: cleanupDigest("4"), Tags: []string{"old-1", "old-2"}, Created: created.Add(-72 * time.Hour), Reasons: []string{"no rule keeps it", "superseded"}},
			{Digest: cleanupDigest("5"), Tags: []string{"sha256-3333.sig", "sha256-3333.att"}, Reasons: []string{"belongs to deleted image sha256:333333333333", "no rule keeps it"}, Subject: cleanupDigest("3")},
		},
	}, {
		Service: "zfrontend", Repository: "team/zfrontend",
		Keep: []CleanupDecision{
			{Digest: cleanupDigest("6"), Tags: []string{"v1.2.0", "latest"}, Created: created, Reasons: []string{"git tag v1.2.0", "a tag no build writes"}},
			{Digest: cleanupDigest("7"), Tags: []string{}, Created: created, Reasons: []string{"keep rule team/zfrontend@sha256:777", "recent"}},
		},
		Delete: []CleanupDecision{
			{Digest: cleanupDigest("8"), Tags: []string{"hotfix-1", "hotfix-2"}, Created: created.Add(-96 * time.Hour), Reasons: []string{"no rule keeps it", "branch gone"}},
			{Digest: cleanupDigest("9"), Tags: []string{"exp-1", "exp-2"}, Reasons: []string{"no rule keeps it", "unknown age"}},
		},
		Refused: "environment prod could not be read (connection refused); pass --skip-unreachable to delete without its releases",
	}}
	unreachable := []CleanupUnreachable{{Env: "prod", Reason: "connection refused"}, {Env: "qa", Reason: "<no route> & \"timeout\""}}
	notes := []string{"environment qa was skipped (--skip-unreachable)", "a tag <latest> & more"}
	deletes := &CleanupDeletes{
		Outcomes: []CleanupOutcome{
			{Service: "zbackend", Repository: "zbackend", Digest: cleanupDigest("3"), Deleted: []string{"feature-a", "feature-b"}, Done: true, ManifestDeleted: true},
			{Service: "zbackend", Repository: "zbackend", Digest: cleanupDigest("4"), Deleted: []string{"old-1", "old-2"}, Kept: "tag old-3 points at it since the plan; its manifest stays"},
			{Service: "zfrontend", Repository: "team/zfrontend", Digest: cleanupDigest("8"), Refused: "environment prod could not be read"},
			{Service: "zfrontend", Repository: "team/zfrontend", Digest: cleanupDigest("9"), Error: "DELETE https://reg.example:5000/v2/x/team/zfrontend/manifests/exp-1: 500"},
		},
		NoTagDeletes: []string{"reg.example:5000/x/zbackend", "reg.example:5000/x/team/zfrontend"},
	}
	gc := "deleted tags and manifests free no space until the registry's garbage collector runs, with the registry read-only or stopped: " +
		"on distribution v3 (registry:3), `registry garbage-collect --delete-untagged <config.yml>`; " +
		"on distribution v2 (registry:2), which refuses tag deletes so cleanup deleted the manifests, `registry garbage-collect <config.yml>` without --delete-untagged, " +
		"which on v2 deletes the platforms of multi-platform images and the signatures of a referrers index; " +
		"other registries (Harbor, GitLab, Artifactory, ECR, GCR): their own garbage collection of untagged manifests"
	return map[string]Cleanup{
		"cleanup-applied": {Registry: "reg.example:5000/x", Applied: true, Repositories: repos, Unreachable: unreachable,
			Notes: notes, Report: deletes, GarbageCollection: gc, DurationMs: 1234},
		"cleanup-plan": {Registry: "reg.example:5000/x", Repositories: repos, Unreachable: unreachable, Notes: notes, DurationMs: 56},
		"cleanup-nothing-deleted": {Registry: "reg.example:5000/x", Applied: true, Report: &CleanupDeletes{}, Repositories: []CleanupRepository{{
			Service: "zbackend", Repository: "zbackend", Keep: []CleanupDecision{{Digest: cleanupDigest("1"), Reasons: []string{"recent"}}},
		}}},
		"cleanup-no-repositories": {Registry: "reg.example:5000/x", Repositories: []CleanupRepository{}},
	}
}

func TestCleanupMatchesGoldenFiles(t *testing.T) {
	t.Parallel()
	for name, doc := range cleanupDocuments() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sameDocument(t, name, doc, func(b *bytes.Buffer) error { return WriteCleanupTable(b, doc) })
		})
	}
}
