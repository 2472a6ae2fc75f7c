package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/x-platform/x-platform/internal/shortsha"
)

// shownChanges is how many changed services a history row names; the
// rest are counted.
const shownChanges = 3

// WriteHistoryTable prints a history report for people: a row per
// release, its services summed up against the release before it (what
// changed, was added or removed, at which commit), so a row stays short
// at any number of services; --output json has every service of each.
func WriteHistoryTable(w io.Writer, r HistoryReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tSTATUS\tDEPLOYED\tSERVICES\tPHASES\tTESTS\tDESCRIPTION")
	var prev []ServiceResult
	for i, rev := range r.Revisions {
		summary := servicesSummary(rev.Services)
		if i > 0 {
			summary = changesSummary(prev, rev.Services)
		}
		prev = rev.Services
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", rev.Revision, rev.Status, rev.Time.Local().Format(time.DateTime),
			summary, PhasesSummary(rev.Phases), TestsSummary(rev.Tests), oneLine(rev.Description))
	}
	return tw.Flush()
}

// servicesSummary names a first release's services, or counts them.
func servicesSummary(services []ServiceResult) string {
	if len(services) == 0 {
		return "-"
	}
	if len(services) > shownChanges {
		return fmt.Sprintf("%d services", len(services))
	}
	return strings.Join(atCommits(services), ", ")
}

// changesSummary says how cur differs from prev: "2 changed: a@1234…,
// b@5678…; 1 added: c@9abc…; 1 removed: d; 47 unchanged".
func changesSummary(prev, cur []ServiceResult) string {
	before := map[string]ServiceResult{}
	for _, s := range prev {
		before[s.Name] = s
	}
	var changed, added []ServiceResult
	unchanged := 0
	now := map[string]bool{}
	for _, s := range cur {
		now[s.Name] = true
		p, ok := before[s.Name]
		switch {
		case !ok:
			added = append(added, s)
		case p.Commit != s.Commit || p.Digest != s.Digest:
			changed = append(changed, s)
		default:
			unchanged++
		}
	}
	var removed []string
	for _, s := range prev {
		if !now[s.Name] {
			removed = append(removed, s.Name)
		}
	}
	var parts []string
	if len(changed) > 0 {
		parts = append(parts, fmt.Sprintf("%d changed: %s", len(changed), some(atCommits(changed))))
	}
	if len(added) > 0 {
		parts = append(parts, fmt.Sprintf("%d added: %s", len(added), some(atCommits(added))))
	}
	if len(removed) > 0 {
		parts = append(parts, fmt.Sprintf("%d removed: %s", len(removed), some(removed)))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d unchanged", unchanged)
	}
	if unchanged > 0 {
		parts = append(parts, fmt.Sprintf("%d unchanged", unchanged))
	}
	return strings.Join(parts, "; ")
}

func atCommits(services []ServiceResult) []string {
	var out []string
	for _, s := range services {
		out = append(out, s.Name+"@"+orDash(shortsha.Commit(s.Commit)))
	}
	return out
}

// some joins the first few of names and counts the rest.
func some(names []string) string {
	if len(names) <= shownChanges {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:shownChanges], ", ") + fmt.Sprintf(" +%d more", len(names)-shownChanges)
}
