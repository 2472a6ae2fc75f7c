package manifest

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// FailOnNames are the severities vulnerabilities.failOn takes, lowest
// first; none (the default) reports findings without failing.
var FailOnNames = []string{"none", "unknown", "low", "medium", "high", "critical"}

// Vulnerabilities is the policy images are checked against: advisories
// from an offline OSV database, the severity that fails, what is accepted.
type Vulnerabilities struct {
	// Database is the absolute path of a folder or zip of OSV advisories;
	// "" leaves it to XP_VULN_DB.
	Database string
	// FailOn is one of FailOnNames; "none" never fails.
	FailOn string
	// Ignore lists the advisories accepted, each until its expiry.
	Ignore []VulnIgnore
}

// VulnIgnore accepts one advisory, for a reason, until a day.
type VulnIgnore struct {
	// ID is the advisory's ID or an alias (GHSA-…, CVE-…, GO-…).
	ID     string
	Reason string
	// Expires is the last day the entry holds, at midnight UTC.
	Expires time.Time
	// Services limits the entry to these services; none means all.
	Services []string
}

// Gates says whether the policy can stop a build or a deploy.
func (v *Vulnerabilities) Gates() bool { return v != nil && v.FailOn != "none" }

func (d *decoder) vulnerabilities(top *object, m *Manifest) *Vulnerabilities {
	o := d.child(top, "vulnerabilities", false, vulnerabilityKeys.names()...)
	if o == nil {
		return nil
	}
	v := &Vulnerabilities{FailOn: "none"}
	if db, at := d.str(o, "database", false); at != nil && d.check(at, join(o.path, "database"), hostFileProblem(db)) {
		v.Database = onHost(m.Root, db)
	}
	if f, at := d.str(o, "failOn", false); at != nil {
		if d.check(at, join(o.path, "failOn"), failOnProblem(f)) {
			v.FailOn = f
		}
	}
	for i, n := range d.sequence(o, "ignore", "{id, reason, expires} entries") {
		at := fmt.Sprintf("%s[%d]", join(o.path, "ignore"), i)
		if isNull(n) {
			d.report(n, at, "must not be empty; an entry needs id, reason and expires")
			continue
		}
		io := d.object(n, n, at, ignoreKeys.names()...)
		if io == nil {
			continue
		}
		ig := VulnIgnore{}
		ig.ID, _ = d.str(io, "id", true)
		ig.Reason, _ = d.str(io, "reason", true)
		exp, expAt := d.str(io, "expires", true)
		if expAt != nil {
			t, err := time.Parse(time.DateOnly, exp)
			if err != nil {
				d.report(expAt, join(at, "expires"), "must be a date written YYYY-MM-DD, got %q", exp)
			}
			ig.Expires = t
		}
		ig.Services = d.list(io, "services", "service names", func(s string) string {
			if !slices.ContainsFunc(m.Services, func(svc *Service) bool { return svc.Name == s }) {
				return "no service is named " + s + suggest(s, serviceNames(m))
			}
			return ""
		})
		v.Ignore = append(v.Ignore, ig)
	}
	return v
}

func failOnProblem(s string) string {
	if slices.Contains(FailOnNames, s) {
		return ""
	}
	return fmt.Sprintf("unknown severity %q%s; failOn is one of %s", s, suggest(s, FailOnNames), strings.Join(FailOnNames, ", "))
}

func serviceNames(m *Manifest) []string {
	out := make([]string, len(m.Services))
	for i, s := range m.Services {
		out[i] = s.Name
	}
	return out
}
