package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Previews is the result of a preview command.
type Previews struct {
	Command  string    `json:"command"`
	OK       bool      `json:"ok"`
	DryRun   bool      `json:"dryRun,omitempty"`
	Previews []Preview `json:"previews"`
	Error    string    `json:"error,omitempty"`
	// DurationMs is how long the command took, in milliseconds.
	DurationMs int64 `json:"durationMs"`
}

// Preview is one preview as the commands report it.
type Preview struct {
	Name        string    `json:"name"`
	Branch      string    `json:"branch"`
	Template    string    `json:"template,omitempty"`
	Services    []string  `json:"services"` // built from the branch
	Created     time.Time `json:"created"`
	Expires     time.Time `json:"expires,omitzero"`
	Expired     bool      `json:"expired"`
	Revision    int       `json:"revision,omitempty"`
	Status      string    `json:"status,omitempty"`
	Terminating bool      `json:"terminating,omitempty"`
	// Action is what delete and gc did: deleted, would-delete (--dry-run),
	// or skipped, with Reason saying why.
	Action string `json:"action,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// WritePreviewTable prints a row per preview; delete and gc add what they
// did to each.
func WritePreviewTable(w io.Writer, rep Previews) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	header := "NAME\tBRANCH\tFROM BRANCH\tCREATED\tEXPIRES\tREVISION\tSTATUS"
	if rep.Command != "preview list" {
		header += "\tACTION"
	}
	fmt.Fprintln(tw, header)
	for _, p := range rep.Previews {
		services, rev, status, expires := strings.Join(p.Services, ","), "-", p.Status, "-"
		if services == "" {
			services = "-"
		}
		if p.Revision > 0 {
			rev = fmt.Sprint(p.Revision)
		}
		switch {
		case p.Terminating:
			status = "terminating"
		case status == "":
			status = "-"
		}
		if !p.Expires.IsZero() {
			expires = p.Expires.Format(time.RFC3339)
			if p.Expired {
				expires += " (expired)"
			}
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s", p.Name, p.Branch, services, p.Created.Format(time.RFC3339), expires, rev, status)
		if rep.Command != "preview list" {
			line += "\t" + p.Action
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}
