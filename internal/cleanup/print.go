package cleanup

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/retention"
	"github.com/x-platform/x-platform/internal/shortsha"
)

// GarbageCollection says how to free the space of deleted images: cleanup
// deletes tags (manifests only where tag deletes are refused), the
// registry's garbage collector the untagged manifests and their blobs.
const GarbageCollection = "deleted tags and manifests free no space until the registry's garbage collector runs, with the registry read-only or stopped: " +
	"on distribution v3 (registry:3), `registry garbage-collect --delete-untagged <config.yml>`; " +
	"on distribution v2 (registry:2), which refuses tag deletes so cleanup deleted the manifests, `registry garbage-collect <config.yml>` without --delete-untagged, " +
	"which on v2 deletes the platforms of multi-platform images and the signatures of a referrers index; " +
	"other registries (Harbor, GitLab, Artifactory, ECR, GCR): their own garbage collection of untagged manifests"

// Document is the JSON result of a cleanup.
type Document struct {
	Registry     string                     `json:"registry"`
	Applied      bool                       `json:"applied"`
	Repositories []retention.RepositoryPlan `json:"repositories"`
	Unreachable  []Unreachable              `json:"unreachable,omitempty"`
	Notes        []string                   `json:"notes,omitempty"`
	Report       *Report                    `json:"report,omitempty"`
	// GarbageCollection is set after deletes.
	GarbageCollection string `json:"garbageCollection,omitempty"`
	// DurationMs is how long the cleanup took, in milliseconds; its
	// caller stamps it.
	DurationMs int64 `json:"durationMs"`
}

// NewDocument describes res and, after --apply, what was done.
func NewDocument(res *Result, rep *Report) Document {
	doc := Document{Registry: res.Registry, Applied: rep != nil, Repositories: res.Plan.Repositories,
		Unreachable: res.Unreachable, Notes: res.Notes, Report: rep}
	if rep != nil && len(rep.Outcomes) > 0 {
		doc.GarbageCollection = GarbageCollection
	}
	if doc.Repositories == nil {
		doc.Repositories = []retention.RepositoryPlan{}
	}
	return doc
}

// WriteJSON writes doc as one indented JSON document.
func WriteJSON(w io.Writer, doc Document) error {
	return report.JSON(w, doc)
}

// WriteText writes doc as a table per service: what is kept and why, what
// is (or would be) deleted and why, then what stopped deletes.
func WriteText(w io.Writer, doc Document) error {
	outcomes := map[string]Outcome{}
	if doc.Report != nil {
		for _, o := range doc.Report.Outcomes {
			outcomes[o.Repository+"@"+o.Digest] = o
		}
	}
	var keep, del int
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, rp := range doc.Repositories {
		keep += len(rp.Keep)
		del += len(rp.Delete)
		fmt.Fprintf(tw, "%s (%s): keep %d, delete %d\n", rp.Service, rp.Repository, len(rp.Keep), len(rp.Delete))
		for _, d := range rp.Keep {
			fmt.Fprintf(tw, "  keep\t%s\t%s\t%s\n", shortsha.DigestWithAlgorithm(d.Digest), tagList(d.Tags), strings.Join(d.Reasons, "; "))
		}
		for _, d := range rp.Delete {
			action, why := "delete", strings.Join(d.Reasons, "; ")
			if doc.Applied {
				action, why = outcomeText(outcomes[rp.Repository+"@"+d.Digest], why)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", action, shortsha.DigestWithAlgorithm(d.Digest), tagList(d.Tags), why)
		}
		if rp.Refused != "" && len(rp.Delete) > 0 {
			fmt.Fprintf(tw, "  refused: %s\n", rp.Refused)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, u := range doc.Unreachable {
		fmt.Fprintf(w, "unreachable: environment %s: %s\n", u.Env, u.Reason)
	}
	for _, n := range doc.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	switch {
	case doc.Applied && doc.GarbageCollection != "":
		for _, r := range doc.Report.NoTagDeletes {
			fmt.Fprintf(w, "note: %s refuses tag deletes: each manifest was deleted by digest, with its tags, after listing the repository again\n", r)
		}
		fmt.Fprintf(w, "%d kept, %d to delete; %s\n", keep, del, doc.GarbageCollection)
	case doc.Applied:
		fmt.Fprintf(w, "%d kept, nothing to delete\n", keep)
	default:
		fmt.Fprintf(w, "%d kept, %d would be deleted (dry run: pass --apply to delete)\n", keep, del)
	}
	return nil
}

func outcomeText(o Outcome, why string) (string, string) {
	switch {
	case o.Error != "":
		return "FAILED", o.Error
	case o.Refused != "":
		return "refused", o.Refused
	case o.Kept != "":
		return "kept", o.Kept
	case o.Done:
		return "deleted", why
	}
	return "skipped", why
}

func tagList(tags []string) string {
	if len(tags) > 4 {
		return strings.Join(tags[:4], ",") + fmt.Sprintf(",+%d", len(tags)-4)
	}
	if len(tags) == 0 {
		return "-"
	}
	return strings.Join(tags, ",")
}
