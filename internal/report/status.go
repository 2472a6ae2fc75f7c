package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/x-platform/x-platform/internal/shortsha"
)

// Status is status's result: one document for all environments.
type Status struct {
	Command      string      `json:"command"`
	OK           bool        `json:"ok"`
	Environments []StatusEnv `json:"environments"`
	// DurationMs is how long finding out took, in milliseconds.
	DurationMs int64 `json:"durationMs"`
}

// StatusEnv is one environment in a status document.
type StatusEnv struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	// Revision and Time are the last deployed release's; 0 when none.
	Revision  int             `json:"revision"`
	Time      *time.Time      `json:"time,omitempty"`
	Reachable bool            `json:"reachable"`
	Error     string          `json:"error,omitempty"`
	Services  []StatusService `json:"services"`
	Drifted   []Drift         `json:"drifted,omitempty"`
	Warnings  []string        `json:"warnings,omitempty"`
	// Canary is the release whose canary runs beside the deployed one.
	Canary *StatusCanary `json:"canary,omitempty"`
}

// StatusCanary is a canary running beside an environment's release.
type StatusCanary struct {
	Revision int    `json:"revision"`
	Steps    []int  `json:"steps"`
	Step     int    `json:"step"` // percent of the traffic it has
	Split    string `json:"split"`
}

// StatusService is one service of an environment.
type StatusService struct {
	Name      string `json:"name"`
	Reference string `json:"reference"`
	// Commit and Released are the last release's; Pinned what a deploy
	// would pin now; Running what the live workloads run.
	Commit       string   `json:"commit,omitempty"`
	Released     string   `json:"released,omitempty"`
	PinnedCommit string   `json:"pinnedCommit,omitempty"`
	Pinned       string   `json:"pinned,omitempty"`
	Running      string   `json:"running,omitempty"`
	Flags        []string `json:"flags"`
}

// Drift is a live object that is no longer what the release applied.
type Drift struct {
	Object string   `json:"object"`
	Fields []string `json:"fields,omitempty"`
	Gone   bool     `json:"gone,omitempty"`
}

// Healthy says whether every environment was read and no service carries
// one of failOn.
func (r Status) Healthy(failOn []string) bool {
	for _, e := range r.Environments {
		if !e.Reachable {
			return false
		}
		for _, s := range e.Services {
			for _, f := range s.Flags {
				if slices.Contains(failOn, f) {
					return false
				}
			}
		}
	}
	return true
}

// WriteStatusTable prints a row per service: its reference, then per
// environment the released commit and the running digest, both short and
// each in its own aligned column, then the service's flags; then what
// drifted and what could not be found out.
func WriteStatusTable(w io.Writer, r Status) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(cells ...string) { fmt.Fprintln(tw, strings.Join(cells, "\t")) }
	row("ENVIRONMENT", "RELEASE", "DEPLOYED")
	head := []string{"SERVICE", "REFERENCE"}
	for _, e := range r.Environments {
		head = append(head, strings.ToUpper(e.Name), "RUNNING", "FLAGS")
		switch {
		case !e.Reachable:
			row(e.Name, "unreachable", "-")
		case e.Revision == 0:
			row(e.Name, "never deployed", "-")
		default:
			row(e.Name, fmt.Sprintf("rev %d", e.Revision), e.Time.Format(time.DateTime))
		}
		if c := e.Canary; c != nil {
			row(e.Name, fmt.Sprintf("canary rev %d at %d%%", c.Revision, c.Step), "promote or abort: x-platform canary promote|abort --env "+e.Name)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	row(head...)
	var names []string
	refs := map[string]string{}
	for _, e := range r.Environments {
		for _, s := range e.Services {
			if !slices.Contains(names, s.Name) {
				names = append(names, s.Name)
			}
			if refs[s.Name] == "" {
				refs[s.Name] = s.Reference
			}
		}
	}
	for _, name := range names {
		cells := []string{name, orDash(refs[name])}
		for _, e := range r.Environments {
			cells = append(cells, serviceCells(e, name)...)
		}
		row(cells...)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, e := range r.Environments {
		writeEnvNotes(w, e)
	}
	return nil
}

// writeEnvNotes prints what could not be found out of e, what drifted
// there and its warnings.
func writeEnvNotes(w io.Writer, e StatusEnv) {
	if e.Error != "" {
		fmt.Fprintf(w, "\n%s: %s\n", e.Name, e.Error)
	}
	for _, d := range e.Drifted {
		what := "changed: " + strings.Join(d.Fields, ", ")
		if d.Gone {
			what = "gone"
		}
		fmt.Fprintf(w, "\n%s: %s drifted, %s", e.Name, d.Object, what)
	}
	if len(e.Drifted) > 0 {
		fmt.Fprintln(w)
	}
	for _, warning := range e.Warnings {
		fmt.Fprintf(w, "%s: warning: %s\n", e.Name, warning)
	}
}

// serviceCells are a service's released commit, running digest and flags
// in e.
func serviceCells(e StatusEnv, name string) []string {
	if !e.Reachable {
		return []string{"?", "?", "-"}
	}
	for _, s := range e.Services {
		if s.Name != name {
			continue
		}
		return []string{orDash(shortsha.Commit(s.Commit)), orDash(shortDigests(s.Running)), orDash(strings.Join(s.Flags, ","))}
	}
	return []string{"-", "-", "-"}
}

// shortDigests shortens each of a comma-separated list of digests.
func shortDigests(digests string) string {
	if digests == "" {
		return ""
	}
	parts := strings.Split(digests, ",")
	for i, d := range parts {
		parts[i] = shortsha.Digest(d)
	}
	return strings.Join(parts, ",")
}
