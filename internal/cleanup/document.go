package cleanup

import (
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/retention"
)

// GarbageCollection says how to free the space of deleted images: cleanup
// deletes tags (manifests only where tag deletes are refused), the
// registry's garbage collector the untagged manifests and their blobs.
const GarbageCollection = "deleted tags and manifests free no space until the registry's garbage collector runs, with the registry read-only or stopped: " +
	"on distribution v3 (registry:3), `registry garbage-collect --delete-untagged <config.yml>`; " +
	"on distribution v2 (registry:2), which refuses tag deletes so cleanup deleted the manifests, `registry garbage-collect <config.yml>` without --delete-untagged, " +
	"which on v2 deletes the platforms of multi-platform images and the signatures of a referrers index; " +
	"other registries (Harbor, GitLab, Artifactory, ECR, GCR): their own garbage collection of untagged manifests"

// NewDocument describes res and, after --apply, what rep says was done, as
// the document cleanup prints. Its slices are res's and rep's, nil where
// theirs are: the JSON tells an empty list from none as it always has.
func NewDocument(res *Result, rep *Report) report.Cleanup {
	doc := report.Cleanup{Registry: res.Registry, Applied: rep != nil, Notes: res.Notes,
		Repositories: make([]report.CleanupRepository, 0, len(res.Plan.Repositories))}
	for _, rp := range res.Plan.Repositories {
		doc.Repositories = append(doc.Repositories, report.CleanupRepository{Service: rp.Service, Repository: rp.Repository,
			Keep: decisions(rp.Keep), Delete: decisions(rp.Delete), Refused: rp.Refused})
	}
	for _, u := range res.Unreachable {
		doc.Unreachable = append(doc.Unreachable, report.CleanupUnreachable{Env: u.Env, Reason: u.Reason})
	}
	if rep == nil {
		return doc
	}
	doc.Report = &report.CleanupDeletes{NoTagDeletes: rep.NoTagDeletes}
	if rep.Outcomes != nil {
		doc.Report.Outcomes = make([]report.CleanupOutcome, 0, len(rep.Outcomes))
	}
	for _, o := range rep.Outcomes {
		doc.Report.Outcomes = append(doc.Report.Outcomes, report.CleanupOutcome{Service: o.Service, Repository: o.Repository,
			Digest: o.Digest, Deleted: o.Deleted, Done: o.Done, ManifestDeleted: o.ManifestDeleted,
			Kept: o.Kept, Refused: o.Refused, Error: o.Error})
	}
	if len(rep.Outcomes) > 0 {
		doc.GarbageCollection = GarbageCollection
	}
	return doc
}

func decisions(ds []retention.Decision) []report.CleanupDecision {
	if ds == nil {
		return nil
	}
	out := make([]report.CleanupDecision, 0, len(ds))
	for _, d := range ds {
		out = append(out, report.CleanupDecision{Digest: d.Digest, Tags: d.Tags, Created: d.Created, Reasons: d.Reasons, Subject: d.Subject})
	}
	return out
}
