package vuln

import "slices"

// affects says whether version of ecosystem is affected by e, and the
// first fixed version of the range it is in ("" when none is known).
func (e *entry) affects(ecosystem, version string) (bool, string) {
	cmpf := comparer(ecosystem)
	listed := false
	for _, v := range e.versions {
		if sameVersion(ecosystem, v, version) {
			listed = true
			break
		}
	}
	for _, r := range e.ranges {
		if r.Type != "SEMVER" && r.Type != "ECOSYSTEM" {
			// GIT ranges name commits, which an SBOM does not know.
			continue
		}
		if in, fixed := inRange(cmpf, r.Events, version); in {
			return true, fixed
		}
	}
	return listed, ""
}

// at is the version an event is about.
func (ev event) at() string {
	for _, s := range []string{ev.Introduced, ev.Fixed, ev.LastAffected, ev.Limit} {
		if s != "" {
			return s
		}
	}
	return ""
}

// inRange evaluates a range's events as the OSV schema says: in version
// order, an introduced at or below version opens it, a fixed at or below
// closes it, a last_affected below closes it. A range whose versions do
// not read is not decided on.
func inRange(cmpf compareFunc, events []event, version string) (bool, string) {
	order := func(a, b string) (int, bool) {
		switch {
		case a == "0" && b == "0":
			return 0, true
		case a == "0":
			return -1, true
		case b == "0":
			return 1, true
		}
		return cmpf(a, b)
	}
	bad := false
	sorted := slices.Clone(events)
	slices.SortStableFunc(sorted, func(a, b event) int {
		c, ok := order(a.at(), b.at())
		bad = bad || !ok
		return c
	})
	if _, ok := order(version, version); bad || !ok {
		return false, ""
	}
	affected := false
	for _, ev := range sorted {
		c, ok := order(ev.at(), version)
		if !ok {
			return false, ""
		}
		if c > 0 {
			// Events past version change nothing, but the first fixed one
			// ends the range version is in.
			if affected && ev.Fixed != "" {
				return true, ev.Fixed
			}
			if ev.Introduced != "" {
				break
			}
			continue
		}
		switch {
		case ev.Introduced != "":
			affected = true
		case ev.Fixed != "", ev.Limit != "":
			affected = false
		case ev.LastAffected != "" && c < 0:
			affected = false
		}
	}
	return affected, ""
}
