package report

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/x-platform/x-platform/internal/redact"
	"github.com/x-platform/x-platform/internal/shortsha"
)

// Action says how a service's image came to be.
type Action string

// Actions a build reports. Found, present and pulled all take the commit's
// own image: found only knows it is in the registry, present has it in the
// local engine already, pulled brought it there.
const (
	ActionBuilt   Action = "built"
	ActionFound   Action = "found"
	ActionPulled  Action = "pulled"
	ActionPresent Action = "present"
	ActionSynced  Action = "synced"
	ActionFailed  Action = "failed"
	ActionSkipped Action = "skipped"
	ActionReused  Action = "reused"
)

// ServiceResult is one service's line in a report.
type ServiceResult struct {
	Name      string `json:"name"`
	Commit    string `json:"commit"`
	Reference string `json:"reference"`
	Image     string `json:"image"`
	Digest    string `json:"digest"`
	Action    Action `json:"action"`
	Error     string `json:"error"`
	// Key is the cache key of the inputs the image is made from.
	Key string `json:"key,omitempty"`
	// Reason says why the image was built or reused.
	Reason string `json:"reason,omitempty"`
	// Saved says where local work was put aside before the checkout moved.
	Saved []string `json:"saved,omitempty"`
	// Present is set by list: whether the commit's image is in the local engine.
	Present *bool `json:"present,omitempty"`
	// DurationMs is how long the service's own work took, in milliseconds;
	// 0 for a service never started and for records of earlier runs.
	DurationMs int64 `json:"durationMs"`
	// Usage says the failure is the user's to fix (bad input: exit code 2).
	Usage bool `json:"-"`
}

// Report is the one document a command prints on stdout.
type Report struct {
	Command  string          `json:"command"`
	OK       bool            `json:"ok"`
	Services []ServiceResult `json:"services"`
	// DurationMs is how long the whole command took, in milliseconds.
	DurationMs int64 `json:"durationMs"`
	// Explain adds each service's reason to the table.
	Explain bool `json:"-"`
}

// NewReport sets OK from the services' actions.
func NewReport(command string, services []ServiceResult) Report {
	r := Report{Command: command, OK: true, Services: services}
	if r.Services == nil {
		r.Services = []ServiceResult{}
	}
	for _, s := range services {
		if s.Action == ActionFailed || s.Action == ActionSkipped {
			r.OK = false
		}
	}
	return r
}

// hideSecrets returns r with the secrets of the URLs its errors and
// reasons quote masked. Reports are the last stop before stdout, so a
// remote that reached an error raw is still not printed in clear.
func hideSecrets(r Report) Report {
	services := make([]ServiceResult, len(r.Services))
	for i, s := range r.Services {
		s.Error, s.Reason = redact.String(s.Error), redact.String(s.Reason)
		services[i] = s
	}
	r.Services = services
	return r
}

// masked hides the secrets of the URLs the services' errors and reasons
// quote; JSON writes every document through it.
func (r Report) masked() any { return hideSecrets(r) }

// WriteTable prints the report as an aligned table for people.
func WriteTable(w io.Writer, r Report) error {
	r = hideSecrets(r)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if r.Command == "list" {
		fmt.Fprintln(tw, "SERVICE\tREFERENCE\tCOMMIT\tIMAGE PRESENT\tIMAGE")
		for _, s := range r.Services {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.Reference, orDash(shortsha.Commit(s.Commit)), yesNo(s.Present), orDash(s.Image))
		}
		return tw.Flush()
	}
	fmt.Fprintln(tw, "SERVICE\tACTION\tCOMMIT\tIMAGE\tDIGEST")
	for _, s := range r.Services {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.Action, orDash(shortsha.Commit(s.Commit)), orDash(s.Image), orDash(s.Digest))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range r.Services {
		if r.Explain && s.Reason != "" {
			fmt.Fprintf(w, "\n%s %s: %s\n", s.Name, s.Action, s.Reason)
		}
		if s.Error != "" {
			fmt.Fprintf(w, "\n%s: %s\n", s.Name, s.Error)
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return "-"
	case *b:
		return "yes"
	default:
		return "no"
	}
}
