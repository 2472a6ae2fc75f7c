package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/x-platform/x-platform/internal/redact"
)

// Actions a deploy reports per service.
const (
	ActionDeployed   Action = "deployed"    // its new version is rolled out
	ActionUnchanged  Action = "unchanged"   // it already ran this version
	ActionRolledBack Action = "rolled-back" // the deploy failed and its previous version was restored
)

// ObjectResult is one Kubernetes object's line in a deploy report.
type ObjectResult struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	// Action is what applying did: created, configured, unchanged, pruned or failed.
	Action string `json:"action"`
	// Rollout is where its rollout ended: ready, progressing, failed,
	// timed-out, ignored or untracked; "" when it was not tracked.
	Rollout string `json:"rollout,omitempty"`
	Ready   string `json:"ready,omitempty"` // ready/desired replicas
	Cause   string `json:"cause,omitempty"` // CrashLoopBackOff, ImagePullBackOff, ...
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
}

// DeployReport is the document deploy and rollback print: the build
// report's fields, then the environment, the revision and the objects.
type DeployReport struct {
	Report
	Env       string `json:"env"`
	Namespace string `json:"namespace"`
	Revision  int    `json:"revision,omitempty"`
	Unchanged bool   `json:"unchanged,omitempty"`
	// RolledBackTo is the revision an automatic rollback restored, recorded
	// again as RollbackRevision.
	RolledBackTo     int            `json:"rolledBackTo,omitempty"`
	RollbackRevision int            `json:"rollbackRevision,omitempty"`
	Objects          []ObjectResult `json:"objects"`
	// Tests are the post-deploy tests that ran, in order; a failed one
	// ends the run.
	Tests []TestResult `json:"tests,omitempty"`
	// Phases are the phase Jobs that ran, in order.
	Phases []PhaseResult `json:"phases,omitempty"`
	// Canary is the release's canary, when it has one.
	Canary *CanaryResult `json:"canary,omitempty"`
	Error  string        `json:"error,omitempty"`
}

// masked hides the secrets of the URLs the services' messages and the
// error quote.
func (r DeployReport) masked() any {
	r.Report = hideSecrets(r.Report)
	r.Error = redact.String(r.Error)
	return r
}

// CanaryResult is where a release's canary stands.
type CanaryResult struct {
	Steps  []int  `json:"steps"`
	Step   int    `json:"step"`   // percent of the traffic the new version has
	Status string `json:"status"` // in-progress, promoted or aborted
	Split  string `json:"split"`  // replicas or route
}

// PhaseResult is how one Job of a release phase ended.
type PhaseResult struct {
	Phase  string `json:"phase"` // pre-deploy or post-deploy
	Name   string `json:"name"`  // the Job's name in the overlay
	Job    string `json:"job,omitempty"`
	Status string `json:"status"` // passed, failed or interrupted
	// Message says why it failed; Logs are its pod's last lines.
	Message    string   `json:"message,omitempty"`
	Logs       []string `json:"logs,omitempty"`
	DurationMs int64    `json:"durationMs"`
}

// WritePhaseTable prints phase Job results for people.
func WritePhaseTable(w io.Writer, phases []PhaseResult) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PHASE\tJOB\tSTATUS\tRUN\tMESSAGE")
	for _, p := range phases {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Phase, p.Name, p.Status, orDash(p.Job), orDash(oneLine(p.Message)))
	}
	return tw.Flush()
}

// PhasesSummary is a release's phase Jobs in a few words: "passed",
// "failed: pre-deploy/migrate", or "-" when none ran.
func PhasesSummary(phases []PhaseResult) string {
	if len(phases) == 0 {
		return "-"
	}
	for _, p := range phases {
		if p.Status != "passed" {
			return p.Status + ": " + p.Phase + "/" + p.Name
		}
	}
	return "passed"
}

// WriteDeployTable prints a deploy report for people: services, then objects.
func WriteDeployTable(w io.Writer, r DeployReport) error {
	if len(r.Services) > 0 {
		if err := WriteTable(w, r.Report); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OBJECT\tACTION\tROLLOUT\tREADY\tDETAIL")
	for _, o := range r.Objects {
		detail := o.Error
		if detail == "" {
			detail = strings.TrimSpace(o.Cause + " " + o.Message)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", objectName(o), o.Action, orDash(o.Rollout), orDash(o.Ready), orDash(oneLine(detail)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Phases) > 0 {
		fmt.Fprintln(w)
		if err := WritePhaseTable(w, r.Phases); err != nil {
			return err
		}
	}
	if len(r.Tests) > 0 {
		fmt.Fprintln(w)
		if err := WriteTestTable(w, r.Tests); err != nil {
			return err
		}
	}
	switch c := r.Canary; {
	case r.Unchanged:
		fmt.Fprintf(w, "\n%s: nothing changed, revision %d stays deployed\n", r.Env, r.Revision)
	case r.OK && c != nil && c.Status == "in-progress":
		fmt.Fprintf(w, "\n%s: revision %d runs as a canary on %d%% of the traffic; promote it with x-platform canary promote --env %s, or abort it with x-platform canary abort --env %s\n", r.Env, r.Revision, c.Step, r.Env, r.Env)
	case r.OK && c != nil && c.Status == "aborted":
		fmt.Fprintf(w, "\n%s: the canary of revision %d was aborted; the release deployed before runs alone\n", r.Env, r.Revision)
	case r.OK:
		fmt.Fprintf(w, "\n%s: revision %d deployed\n", r.Env, r.Revision)
	case r.RollbackRevision > 0:
		fmt.Fprintf(w, "\n%s: revision %d failed; revision %d restored as revision %d\n", r.Env, r.Revision, r.RolledBackTo, r.RollbackRevision)
	case r.Revision > 0:
		fmt.Fprintf(w, "\n%s: revision %d failed\n", r.Env, r.Revision)
	}
	return nil
}

func objectName(o ObjectResult) string {
	name := strings.ToLower(o.Kind) + "/" + o.Name
	if o.Namespace != "" {
		name = o.Namespace + " " + name
	}
	return name
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// Revision is one release record in a history report.
type Revision struct {
	Revision    int             `json:"revision"`
	Status      string          `json:"status"`
	Time        time.Time       `json:"time"`
	Description string          `json:"description"`
	Services    []ServiceResult `json:"services"`
	// PromotedFrom names the release of another environment a promote
	// took the images from.
	PromotedFrom *PromotedFrom `json:"promotedFrom,omitempty"`
	// Tests are the release's post-deploy tests as last run.
	Tests []TestResult `json:"tests,omitempty"`
	// Phases are the release's phase Jobs that ran.
	Phases []PhaseResult `json:"phases,omitempty"`
	// Canary is the release's canary, when it had one.
	Canary *CanaryResult `json:"canary,omitempty"`
}

// PromotedFrom is the source release of a promote.
type PromotedFrom struct {
	Env      string `json:"env"`
	Revision int    `json:"revision"`
}

// HistoryReport lists an environment's releases, oldest first.
type HistoryReport struct {
	Command   string     `json:"command"`
	OK        bool       `json:"ok"`
	Env       string     `json:"env"`
	Namespace string     `json:"namespace"`
	Revisions []Revision `json:"revisions"`
	// DurationMs is how long reading the history took, in milliseconds.
	DurationMs int64 `json:"durationMs"`
}

// Change is one object a diff would change.
type Change struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	Action     string `json:"action"` // created, configured, pruned, or runs for a phase Job
	// Phase is the phase of a Job the deploy would run.
	Phase string `json:"phase,omitempty"`
	Diff  string `json:"diff,omitempty"`
}

// DiffReport lists what a deploy would change, and only that.
type DiffReport struct {
	Command   string   `json:"command"`
	OK        bool     `json:"ok"`
	Env       string   `json:"env"`
	Namespace string   `json:"namespace"`
	Changes   []Change `json:"changes"`
	// DurationMs is how long the diff took, in milliseconds.
	DurationMs int64 `json:"durationMs"`
}

// WriteDiffText prints each change with its unified diff.
func WriteDiffText(w io.Writer, r DiffReport) error {
	if len(r.Changes) == 0 {
		_, err := fmt.Fprintf(w, "%s: no changes\n", r.Env)
		return err
	}
	for _, c := range r.Changes {
		action := c.Action
		if c.Phase != "" {
			action += " (" + c.Phase + ")"
		}
		fmt.Fprintf(w, "### %s %s\n", objectName(ObjectResult{Kind: c.Kind, Namespace: c.Namespace, Name: c.Name}), action)
		if _, err := io.WriteString(w, c.Diff); err != nil {
			return err
		}
	}
	return nil
}
