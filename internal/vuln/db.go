package vuln

import (
	"cmp"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/x-platform/x-platform/internal/sbom"
)

// DB is an index of advisories by ecosystem and package name.
type DB struct {
	index map[string][]*entry
	// Advisories counts the advisories read, Kept those matched against.
	Advisories, Kept int
}

// entry is what one advisory says of one package.
type entry struct {
	adv      *Advisory
	severity Severity
	// release is the ecosystem's release, "12" of Debian:12; "" for all.
	release  string
	ranges   []osvRange
	versions []string
}

func newDB() *DB { return &DB{index: map[string][]*entry{}} }

func indexKey(ecosystem, name string) string { return ecosystem + "\x00" + name }

func (db *DB) add(e *osvEntry) {
	db.Advisories++
	if e.Withdrawn != "" {
		return
	}
	adv := &Advisory{ID: e.ID, Aliases: e.Aliases, Summary: e.Summary}
	kept := false
	for i := range e.Affected {
		a := &e.Affected[i]
		eco, release, _ := strings.Cut(a.Package.Ecosystem, ":")
		if comparer(eco) == nil {
			continue
		}
		k := indexKey(eco, normalName(eco, a.Package.Name))
		db.index[k] = append(db.index[k], &entry{adv: adv, severity: severityOf(e, a), release: release, ranges: a.Ranges, versions: a.Versions})
		kept = true
	}
	if kept {
		db.Kept++
	}
}

var pyName = regexp.MustCompile(`[-_.]+`)

// normalName is a package's name as its ecosystem compares names: PyPI's
// normalized as PEP 503 says.
func normalName(ecosystem, name string) string {
	if ecosystem == PyPI {
		return pyName.ReplaceAllString(strings.ToLower(name), "-")
	}
	return name
}

// Finding is an advisory that affects a package an image carries.
type Finding struct {
	Package   string
	Version   string
	Ecosystem string
	Advisory  string
	Aliases   []string
	Summary   string
	Severity  Severity
	// Fixed is the first version without the advisory; "" when none is known.
	Fixed string
	// Source is the file of the image the package was found in.
	Source string
}

// Scan is what the database says of pkgs, the packages of an image's SBOM:
// one finding per package, version and advisory, the most severe first.
func (db *DB) Scan(pkgs []sbom.Package) []Finding {
	var out []Finding
	seen := map[[3]string]bool{}
	for _, p := range pkgs {
		eco, distroVersion := ecosystemOf(p)
		if eco == "" || p.Version == "" {
			continue
		}
		for _, e := range db.index[indexKey(eco, normalName(eco, p.Name))] {
			if !releaseMatches(e.release, distroVersion) {
				continue
			}
			hit, fixed := e.affects(eco, p.Version)
			k := [3]string{p.Name, p.Version, e.adv.ID}
			if !hit || seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, Finding{
				Package: p.Name, Version: p.Version, Ecosystem: eco, Advisory: e.adv.ID, Aliases: e.adv.Aliases,
				Summary: e.adv.Summary, Severity: e.severity, Fixed: fixed, Source: p.Source,
			})
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.Package, b.Package),
			cmp.Compare(a.Version, b.Version), cmp.Compare(a.Advisory, b.Advisory))
	})
	return out
}

// ecosystemOf is the OSV ecosystem of an SBOM package, and the version of
// the distribution an OS package comes from ("" when unknown).
func ecosystemOf(p sbom.Package) (eco, distroVersion string) {
	switch p.Type {
	case sbom.TypeGo:
		return Go, ""
	case sbom.TypeNpm:
		return Npm, ""
	case sbom.TypePyPI:
		return PyPI, ""
	case sbom.TypeDeb, sbom.TypeApk:
	default:
		return "", ""
	}
	id, version := "", ""
	if _, q, ok := strings.Cut(p.PURL, "?"); ok {
		if vals, err := url.ParseQuery(q); err == nil {
			id, version, _ = strings.Cut(vals.Get("distro"), "-")
		}
	}
	switch {
	case p.Type == sbom.TypeApk:
		return Alpine, version
	case id == "ubuntu":
		return Ubuntu, version
	}
	return Debian, version
}

// releaseMatches says whether an advisory of an ecosystem's release
// (Debian:12, Alpine:v3.18, Ubuntu:22.04:LTS) is about a distribution of
// version distroVersion (12, 3.18.4, 22.04); either unknown matches.
func releaseMatches(release, distroVersion string) bool {
	if release == "" || distroVersion == "" {
		return true
	}
	rel, _, _ := strings.Cut(release, ":")
	rel = strings.TrimPrefix(rel, "v")
	return distroVersion == rel || strings.HasPrefix(distroVersion, rel+".")
}
