package sbom

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSPDXRoundTrip(t *testing.T) {
	inv := &Inventory{Distro: "debian", Packages: []Package{
		{Type: TypeDeb, Name: "libc6", Version: "2.36", Source: "/var/lib/dpkg/status", PURL: "pkg:deb/debian/libc6@2.36"},
		{Type: TypeGo, Name: "example.com/app", Version: "v1.0.0", Main: true, Source: "/app", PURL: "pkg:golang/example.com/app@v1.0.0"},
	}}
	digest := "sha256:" + strings.Repeat("ab", 32)
	doc := SPDX("127.0.0.1:5000/x/svc", digest, inv, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "x-platform-v1")
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"spdxVersion":"SPDX-2.3"`, `"created":"2026-01-02T03:04:05Z"`, `"creators":["Tool: x-platform-v1"]`,
		`"referenceLocator":"pkg:oci/svc@sha256%3A` + digest[7:] + `?repository_url=127.0.0.1:5000/x/svc"`,
		`"primaryPackagePurpose":"OPERATING-SYSTEM"`, `"primaryPackagePurpose":"APPLICATION"`,
		`{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-Image"}`,
		`{"spdxElementId":"SPDXRef-Image","relationshipType":"CONTAINS","relatedSpdxElement":"SPDXRef-Package-2"}`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the document has no %s:\n%s", want, raw)
		}
	}
	got, err := Contents(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := []Package{
		{Type: TypeDeb, Name: "libc6", Version: "2.36", Source: "/var/lib/dpkg/status", PURL: "pkg:deb/debian/libc6@2.36"},
		{Type: TypeGo, Name: "example.com/app", Version: "v1.0.0", Source: "/app", PURL: "pkg:golang/example.com/app@v1.0.0"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Contents: %+v\nwant %+v", got, want)
	}
	if _, err := Contents([]byte(`{"spdxVersion":"SPDX-3.0"}`)); err == nil {
		t.Error("Contents took an SPDX 3 document")
	}
}

func TestPURL(t *testing.T) {
	for _, c := range []struct {
		p            Package
		distro, want string
	}{
		{Package{Type: TypeApk, Name: "musl", Version: "1.2.5-r0", Arch: "x86_64"}, "", "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64"},
		{Package{Type: TypeGo, Name: "golang.org/x/net", Version: "v0.1.0+incompatible"}, "", "pkg:golang/golang.org/x/net@v0.1.0%2Bincompatible"},
		{Package{Type: TypeGo, Name: "example.com/app", Version: "(devel)"}, "", "pkg:golang/example.com/app"},
		{Package{Type: TypeNpm, Name: "@babel/core", Version: "7.0.0"}, "", "pkg:npm/%40babel/core@7.0.0"},
		{Package{Type: TypePyPI, Name: "Typing_Extensions", Version: "4.9.0"}, "", "pkg:pypi/typing-extensions@4.9.0"},
	} {
		if got := purl(c.p, c.distro, ""); got != c.want {
			t.Errorf("purl(%+v) = %s, want %s", c.p, got, c.want)
		}
	}
}
