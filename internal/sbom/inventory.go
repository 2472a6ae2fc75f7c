package sbom

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// The package types listed, as purl types name them.
const (
	TypeDeb  = "deb"
	TypeApk  = "apk"
	TypeGo   = "golang"
	TypeNpm  = "npm"
	TypePyPI = "pypi"
)

// Package is one piece of software found in an image.
type Package struct {
	Type    string `json:"type"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Arch    string `json:"arch,omitempty"`
	// Main marks a Go binary's own module, as opposed to its dependencies.
	Main bool `json:"-"`
	// Source is the file it was found in, from /.
	Source string `json:"source"`
	// PURL is the package URL that names it.
	PURL string `json:"purl"`
}

// distro is what /etc/os-release says of the distribution.
type distro struct{ ID, Version string }

// Inventory is the software an image carries.
type Inventory struct {
	// Distro is the distribution's id (debian, alpine, …); "" when the
	// image has no os-release.
	Distro, DistroVersion string
	Packages              []Package
}

// inventoryOf gathers what the image's remaining files list, sorted and
// named with purls.
func inventoryOf(files map[string]found) *Inventory {
	inv := &Inventory{}
	for _, p := range []string{"etc/os-release", "usr/lib/os-release"} {
		if d := files[p].distro; d.ID != "" {
			inv.Distro, inv.DistroVersion = d.ID, d.Version
			break
		}
	}
	seen := map[[2]string]bool{}
	for p, f := range files {
		for _, pkg := range f.pkgs {
			pkg.Source = "/" + p
			pkg.PURL = purl(pkg, inv.Distro, inv.DistroVersion)
			if k := [2]string{pkg.PURL, pkg.Source}; !seen[k] {
				seen[k] = true
				inv.Packages = append(inv.Packages, pkg)
			}
		}
	}
	slices.SortFunc(inv.Packages, func(a, b Package) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Name, b.Name),
			cmp.Compare(a.Version, b.Version), cmp.Compare(a.Source, b.Source))
	})
	return inv
}

// purl is the package URL of p (github.com/package-url/purl-spec); OS
// packages are namespaced by the distribution.
func purl(p Package, distroID, distroVersion string) string {
	name := p.Name
	var ns string
	switch p.Type {
	case TypeDeb, TypeApk:
		ns = cmp.Or(distroID, map[string]string{TypeDeb: "debian", TypeApk: "alpine"}[p.Type])
	case TypeGo:
		if i := strings.LastIndex(name, "/"); i >= 0 {
			ns, name = name[:i], name[i+1:]
		}
	case TypeNpm:
		if strings.HasPrefix(name, "@") {
			if i := strings.Index(name, "/"); i > 0 {
				ns, name = name[:i], name[i+1:]
			}
		}
	case TypePyPI:
		name = strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	}
	var b strings.Builder
	b.WriteString("pkg:" + p.Type + "/")
	if ns != "" {
		for _, seg := range strings.Split(ns, "/") {
			b.WriteString(escape(seg) + "/")
		}
	}
	b.WriteString(escape(name))
	if p.Version != "" && p.Version != "(devel)" {
		b.WriteString("@" + escape(p.Version))
	}
	q := url.Values{}
	if p.Arch != "" {
		q.Set("arch", p.Arch)
	}
	if (p.Type == TypeDeb || p.Type == TypeApk) && distroID != "" && distroVersion != "" {
		q.Set("distro", distroID+"-"+distroVersion)
	}
	if len(q) > 0 {
		b.WriteString("?" + q.Encode())
	}
	return b.String()
}

// escape percent-encodes all but purl's unreserved characters.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
