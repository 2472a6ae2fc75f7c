package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/x-platform/x-platform/internal/shortsha"
)

// Cleanup is the document cleanup prints: the plan for each repository
// and, after --apply, what became of the images it deletes.
type Cleanup struct {
	Registry     string               `json:"registry"`
	Applied      bool                 `json:"applied"`
	Repositories []CleanupRepository  `json:"repositories"`
	Unreachable  []CleanupUnreachable `json:"unreachable,omitempty"`
	Notes        []string             `json:"notes,omitempty"`
	Report       *CleanupDeletes      `json:"report,omitempty"`
	// GarbageCollection is set after deletes.
	GarbageCollection string `json:"garbageCollection,omitempty"`
	// DurationMs is how long the cleanup took, in milliseconds; its
	// caller stamps it.
	DurationMs int64 `json:"durationMs"`
}

// CleanupRepository is what happens to one repository's images.
type CleanupRepository struct {
	Service    string            `json:"service"`
	Repository string            `json:"repository"`
	Keep       []CleanupDecision `json:"keep"`
	Delete     []CleanupDecision `json:"delete"`
	// Refused says why Delete is not carried out; "" when it may be.
	Refused string `json:"refused,omitempty"`
}

// CleanupDecision is one image with the reasons it is kept, or why it goes.
type CleanupDecision struct {
	Digest  string    `json:"digest"`
	Tags    []string  `json:"tags"`
	Created time.Time `json:"created,omitzero"`
	Reasons []string  `json:"reasons"`
	// Subject is, for a signature, attestation or SBOM, the digest of the
	// image it belongs to; deleted after nothing else of the image is left.
	Subject string `json:"subject,omitempty"`
}

// CleanupUnreachable is an environment whose releases could not be read.
type CleanupUnreachable struct {
	Env    string `json:"env"`
	Reason string `json:"reason"`
}

// CleanupDeletes is what --apply did.
type CleanupDeletes struct {
	Outcomes []CleanupOutcome `json:"outcomes"`
	// NoTagDeletes lists the repositories whose registry deletes manifests
	// only by digest.
	NoTagDeletes []string `json:"noTagDeletes,omitempty"`
}

// CleanupOutcome is what became of one image the plan deletes.
type CleanupOutcome struct {
	Service    string `json:"service"`
	Repository string `json:"repository"`
	Digest     string `json:"digest"`
	// Deleted lists the tags deleted.
	Deleted []string `json:"deletedTags,omitempty"`
	// Done says the image's planned tags are gone and no other tag pointed
	// at it when last looked: its manifest is untagged, for the registry's
	// garbage collector, or deleted (ManifestDeleted).
	Done bool `json:"deleted"`
	// ManifestDeleted says the manifest was deleted by digest, on a
	// registry that refuses tag deletes.
	ManifestDeleted bool `json:"manifestDeleted,omitempty"`
	// Kept says why the check just before the delete kept the image.
	Kept string `json:"kept,omitempty"`
	// Refused says why the image was not deleted although nothing keeps it.
	Refused string `json:"refused,omitempty"`
	Error   string `json:"error,omitempty"`
}

// WriteCleanupTable prints a cleanup for people, a table per service:
// what is kept and why, what is (or would be) deleted and why, then what
// stopped deletes.
func WriteCleanupTable(w io.Writer, doc Cleanup) error {
	outcomes := map[string]CleanupOutcome{}
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
			fmt.Fprintf(tw, "  keep\t%s\t%s\t%s\n", shortsha.DigestWithAlgorithm(d.Digest), cleanupTags(d.Tags), strings.Join(d.Reasons, "; "))
		}
		for _, d := range rp.Delete {
			action, why := "delete", strings.Join(d.Reasons, "; ")
			if doc.Applied {
				action, why = cleanupOutcomeText(outcomes[rp.Repository+"@"+d.Digest], why)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", action, shortsha.DigestWithAlgorithm(d.Digest), cleanupTags(d.Tags), why)
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

// cleanupOutcomeText is the action and the reason a table row gives an
// image the plan deletes, once --apply ran.
func cleanupOutcomeText(o CleanupOutcome, why string) (string, string) {
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

// cleanupTags names up to four tags and counts the rest.
func cleanupTags(tags []string) string {
	if len(tags) > 4 {
		return strings.Join(tags[:4], ",") + fmt.Sprintf(",+%d", len(tags)-4)
	}
	if len(tags) == 0 {
		return "-"
	}
	return strings.Join(tags, ",")
}
