package vuln

import (
	"strings"

	"golang.org/x/mod/semver"
)

// The OSV ecosystems matched here, and the SBOM's package types (purl
// types) they hold.
const (
	Go     = "Go"
	Debian = "Debian"
	Ubuntu = "Ubuntu"
	Alpine = "Alpine"
	Npm    = "npm"
	PyPI   = "PyPI"
)

// compareFunc orders two versions of an ecosystem; ok is false when either
// cannot be read, and then nothing is decided from them.
type compareFunc func(a, b string) (c int, ok bool)

// comparer is the version order of an ecosystem; nil for one not covered.
func comparer(ecosystem string) compareFunc {
	switch ecosystem {
	case Go:
		return compareGo
	case Npm:
		return compareSemver
	case Debian, Ubuntu:
		return compareDpkg
	case Alpine:
		return compareApk
	case PyPI:
		return comparePEP440
	}
	return nil
}

// goVersion spells a Go module or toolchain version as semver wants it:
// 1.2.3 → v1.2.3, go1.22.1 → v1.22.1, go1.22rc1 → v1.22.0-rc1.
func goVersion(v string) string {
	if strings.HasPrefix(v, "go") {
		v = v[2:]
		for _, pre := range []string{"rc", "beta"} {
			if i := strings.Index(v, pre); i > 0 {
				base := v[:i]
				if strings.Count(base, ".") == 1 {
					base += ".0"
				}
				v = base + "-" + v[i:]
				break
			}
		}
	}
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	return v
}

func compareGo(a, b string) (int, bool) {
	a, b = goVersion(a), goVersion(b)
	if !semver.IsValid(a) || !semver.IsValid(b) {
		return 0, false
	}
	return semver.Compare(a, b), true
}

func compareSemver(a, b string) (int, bool) {
	a, b = "v"+strings.TrimPrefix(a, "v"), "v"+strings.TrimPrefix(b, "v")
	if !semver.IsValid(a) || !semver.IsValid(b) {
		return 0, false
	}
	return semver.Compare(a, b), true
}

// sameVersion says whether a and b are one version of ecosystem, as a
// versions list in an advisory names it.
func sameVersion(ecosystem, a, b string) bool {
	if a == b {
		return true
	}
	if cmp := comparer(ecosystem); cmp != nil {
		c, ok := cmp(a, b)
		return ok && c == 0
	}
	return false
}
