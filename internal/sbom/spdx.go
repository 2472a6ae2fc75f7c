package sbom

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PredicateType is the in-toto predicate type of an SPDX document, as
// `cosign attest --type spdxjson` writes it.
const PredicateType = "https://spdx.dev/Document"

// Document is the part of an SPDX 2.3 JSON document written and read here.
type Document struct {
	SPDXVersion       string         `json:"spdxVersion"`
	DataLicense       string         `json:"dataLicense"`
	SPDXID            string         `json:"SPDXID"`
	Name              string         `json:"name"`
	DocumentNamespace string         `json:"documentNamespace"`
	CreationInfo      CreationInfo   `json:"creationInfo"`
	Packages          []SPDXPackage  `json:"packages"`
	Relationships     []Relationship `json:"relationships"`
}

// CreationInfo says who made the document, and when.
type CreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

// SPDXPackage is one package of the document.
type SPDXPackage struct {
	Name             string        `json:"name"`
	SPDXID           string        `json:"SPDXID"`
	VersionInfo      string        `json:"versionInfo,omitempty"`
	DownloadLocation string        `json:"downloadLocation"`
	FilesAnalyzed    bool          `json:"filesAnalyzed"`
	LicenseConcluded string        `json:"licenseConcluded"`
	LicenseDeclared  string        `json:"licenseDeclared"`
	CopyrightText    string        `json:"copyrightText"`
	SourceInfo       string        `json:"sourceInfo,omitempty"`
	PrimaryPurpose   string        `json:"primaryPackagePurpose,omitempty"`
	ExternalRefs     []ExternalRef `json:"externalRefs,omitempty"`
}

// ExternalRef names a package elsewhere; here, by its purl.
type ExternalRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

// Relationship links two elements of the document.
type Relationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

const (
	noAssertion = "NOASSERTION"
	imageID     = "SPDXRef-Image"
	sourcePfx   = "found in "
)

// SPDX is inv as an SPDX 2.3 document describing the image repo@digest,
// made at created by tool (the creator, "x-platform-<version>").
func SPDX(repo, digest string, inv *Inventory, created time.Time, tool string) Document {
	doc := Document{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT",
		Name:              repo + "@" + digest,
		DocumentNamespace: "https://github.com/x-platform/x-platform/sbom/" + repo + "@" + digest,
		CreationInfo:      CreationInfo{Created: created.UTC().Format(time.RFC3339), Creators: []string{"Tool: " + tool}},
		Relationships:     []Relationship{{Element: "SPDXRef-DOCUMENT", Type: "DESCRIBES", Related: imageID}},
	}
	doc.Packages = append(doc.Packages, spdxPackage(imageID, repo, digest, "CONTAINER", "", imagePURL(repo, digest)))
	for i, p := range inv.Packages {
		id := "SPDXRef-Package-" + strconv.Itoa(i+1)
		purpose := "LIBRARY"
		if p.Type == TypeDeb || p.Type == TypeApk {
			purpose = "OPERATING-SYSTEM"
		} else if p.Main {
			purpose = "APPLICATION"
		}
		doc.Packages = append(doc.Packages, spdxPackage(id, p.Name, p.Version, purpose, sourcePfx+p.Source, p.PURL))
		doc.Relationships = append(doc.Relationships, Relationship{Element: imageID, Type: "CONTAINS", Related: id})
	}
	return doc
}

func spdxPackage(id, name, version, purpose, source, purl string) SPDXPackage {
	return SPDXPackage{
		Name: name, SPDXID: id, VersionInfo: version, DownloadLocation: noAssertion,
		LicenseConcluded: noAssertion, LicenseDeclared: noAssertion, CopyrightText: noAssertion,
		SourceInfo: source, PrimaryPurpose: purpose,
		ExternalRefs: []ExternalRef{{Category: "PACKAGE-MANAGER", Type: "purl", Locator: purl}},
	}
}

// imagePURL is the oci purl of repo@digest.
func imagePURL(repo, digest string) string {
	host, path, _ := strings.Cut(repo, "/")
	name := path[strings.LastIndex(path, "/")+1:]
	return "pkg:oci/" + name + "@" + strings.ReplaceAll(digest, ":", "%3A") + "?repository_url=" + host + "/" + path
}

// Contents are the packages an SPDX document lists, its image aside, in
// the document's order; what it cannot say is left empty.
func Contents(raw []byte) ([]Package, error) {
	var doc Document
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("reading the SPDX document: %w", err)
	}
	if !strings.HasPrefix(doc.SPDXVersion, "SPDX-2.") {
		return nil, fmt.Errorf("reading the SPDX document: spdxVersion %q is not SPDX 2", doc.SPDXVersion)
	}
	var out []Package
	for _, p := range doc.Packages {
		if p.SPDXID == imageID {
			continue
		}
		pkg := Package{Name: p.Name, Version: p.VersionInfo, Source: strings.TrimPrefix(p.SourceInfo, sourcePfx)}
		for _, r := range p.ExternalRefs {
			if r.Type == "purl" {
				pkg.PURL = r.Locator
				pkg.Type, _, _ = strings.Cut(strings.TrimPrefix(r.Locator, "pkg:"), "/")
			}
		}
		out = append(out, pkg)
	}
	return out, nil
}
