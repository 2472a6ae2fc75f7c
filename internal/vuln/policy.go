package vuln

import (
	"fmt"
	"slices"
	"time"
)

// Policy is what findings stop a build or a deploy.
type Policy struct {
	// FailOn is the lowest severity that fails; None never fails.
	FailOn Severity
	Ignore []Ignore
}

// Ignore accepts an advisory until it expires.
type Ignore struct {
	// ID is the advisory's ID or one of its aliases (a CVE, say).
	ID     string
	Reason string
	// Expires is the last day the entry holds; from the day after, the
	// advisory counts again.
	Expires time.Time
	// Services limits the entry to these services; none means all.
	Services []string
}

// The verdicts on a finding.
const (
	// Fails: the finding is at or above failOn and not ignored.
	Fails = "fails"
	// Ignored: an unexpired ignore entry accepts it.
	Ignored = "ignored"
	// Passes: the finding is below failOn.
	Passes = "passes"
)

// Judged is a finding and what the policy makes of it.
type Judged struct {
	Finding
	Verdict string
	// Note says why: the reason of the ignore entry that accepts it, or
	// that an entry expired and the finding counts again.
	Note string
}

// Judge applies the policy to the findings of one service's image on day
// today (a time whose date, in UTC, is taken).
func (p Policy) Judge(service string, findings []Finding, today time.Time) []Judged {
	day := today.UTC().Format(time.DateOnly)
	out := make([]Judged, 0, len(findings))
	for _, f := range findings {
		j := Judged{Finding: f, Verdict: Passes}
		if p.FailOn != None && f.Severity >= p.FailOn {
			j.Verdict = Fails
		}
		if ig := p.ignoring(service, f); ig != nil {
			expires := ig.Expires.UTC().Format(time.DateOnly)
			if day <= expires {
				j.Verdict, j.Note = Ignored, fmt.Sprintf("ignored until %s: %s", expires, ig.Reason)
			} else {
				j.Note = fmt.Sprintf("ignore entry %s expired on %s; counted again", ig.ID, expires)
			}
		}
		out = append(out, j)
	}
	return out
}

// ignoring is the entry of the policy that names f's advisory for service,
// the unexpired one first.
func (p Policy) ignoring(service string, f Finding) *Ignore {
	adv := Advisory{ID: f.Advisory, Aliases: f.Aliases}
	var found *Ignore
	for i := range p.Ignore {
		ig := &p.Ignore[i]
		if !adv.Names(ig.ID) || len(ig.Services) > 0 && !slices.Contains(ig.Services, service) {
			continue
		}
		if found == nil || ig.Expires.After(found.Expires) {
			found = ig
		}
	}
	return found
}

// Failing are the judged findings that fail the policy.
func Failing(judged []Judged) []Judged {
	var out []Judged
	for _, j := range judged {
		if j.Verdict == Fails {
			out = append(out, j)
		}
	}
	return out
}

// String names the finding for a refusal.
func (j Judged) String() string {
	s := fmt.Sprintf("%s %s %s: %s (%s)", j.Ecosystem, j.Package, j.Version, j.Advisory, j.Severity)
	if j.Fixed != "" {
		s += ", fixed in " + j.Fixed
	}
	if j.Note != "" {
		s += "; " + j.Note
	}
	return s
}
