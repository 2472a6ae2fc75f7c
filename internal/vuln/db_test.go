package vuln

import (
	"archive/zip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/sbom"
)

const goAdvisory = `{"id":"GHSA-aaaa-bbbb-cccc","aliases":["CVE-2024-0001"],"summary":"panic on input",
 "affected":[{"package":{"ecosystem":"Go","name":"example.com/lib"},
  "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"},{"introduced":"1.5.0"},{"fixed":"1.5.3"}]}]}],
 "database_specific":{"severity":"HIGH"}}`

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeZip(t *testing.T, path string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func goPkg(version string) sbom.Package {
	return sbom.Package{Type: sbom.TypeGo, Name: "example.com/lib", Version: version, Source: "/app"}
}

func TestScanRanges(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "GHSA-aaaa-bbbb-cccc.json"), goAdvisory)
	writeFile(t, filepath.Join(dir, "last.json"), `{"id":"GO-2024-0002","affected":[{"package":{"ecosystem":"Go","name":"example.com/lib"},
	 "ranges":[{"type":"SEMVER","events":[{"introduced":"1.1.0"},{"last_affected":"1.1.4"}]}]}]}`)
	writeFile(t, filepath.Join(dir, "listed.json"), `{"id":"GO-2024-0003","affected":[{"package":{"ecosystem":"Go","name":"example.com/lib"},
	 "versions":["1.9.9"],"ranges":[{"type":"GIT","repo":"x","events":[{"introduced":"0"},{"fixed":"abc"}]}]}]}`)
	db, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		version string
		want    []string // advisory=fixed
	}{
		{"v1.0.0", []string{"GHSA-aaaa-bbbb-cccc=1.2.0"}},
		{"v1.2.0", nil},
		{"v1.1.4", []string{"GHSA-aaaa-bbbb-cccc=1.2.0", "GO-2024-0002="}},
		{"v1.1.5", []string{"GHSA-aaaa-bbbb-cccc=1.2.0"}},
		{"v1.4.9", nil},
		{"v1.5.0", []string{"GHSA-aaaa-bbbb-cccc=1.5.3"}},
		{"v1.5.3", nil},
		{"v1.9.9", []string{"GO-2024-0003="}},
		{"(devel)", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, f := range db.Scan([]sbom.Package{goPkg(tt.version)}) {
			got = append(got, f.Advisory+"="+f.Fixed)
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%s: findings %q, want %q", tt.version, got, tt.want)
		}
	}
	f := db.Scan([]sbom.Package{goPkg("v1.0.0")})[0]
	if f.Severity != High || f.Source != "/app" || f.Aliases[0] != "CVE-2024-0001" || f.Ecosystem != Go {
		t.Errorf("finding %+v", f)
	}
}

func TestScanEcosystems(t *testing.T) {
	dir := t.TempDir()
	writeZip(t, filepath.Join(dir, "Debian", "all.zip"), map[string]string{
		"DSA-1.json": `{"id":"DSA-1","affected":[{"package":{"ecosystem":"Debian:12","name":"libc6"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.36-9+deb12u4"}]}]}]}`,
		"DSA-2.json": `{"id":"DSA-2","affected":[{"package":{"ecosystem":"Debian:11","name":"libc6"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"9.0"}]}]}]}`,
	})
	writeZip(t, filepath.Join(dir, "PyPI", "all.zip"), map[string]string{
		"PYSEC-1.json": `{"id":"PYSEC-1","affected":[{"package":{"ecosystem":"PyPI","name":"Requests"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.31.0"}]}]}]}`,
	})
	writeZip(t, filepath.Join(dir, "npm.zip"), map[string]string{
		"x/GHSA-n.json": `{"id":"GHSA-n","affected":[{"package":{"ecosystem":"npm","name":"lodash"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"4.17.21"}]}]}]}`,
		"README.txt":    "not an advisory",
	})
	writeFile(t, filepath.Join(dir, "alpine", "ALPINE-1.json"), `{"id":"ALPINE-1","affected":[{"package":{"ecosystem":"Alpine:v3.19","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.1.4-r5"}]}]}]}`)
	writeFile(t, filepath.Join(dir, "crates.json"), `{"id":"RUSTSEC-1","affected":[{"package":{"ecosystem":"crates.io","name":"x"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`)
	db, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if db.Advisories != 6 || db.Kept != 5 {
		t.Errorf("read %d advisories, kept %d; want 6, 5", db.Advisories, db.Kept)
	}
	pkgs := []sbom.Package{
		{Type: sbom.TypeDeb, Name: "libc6", Version: "2.36-9+deb12u3", PURL: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u3?arch=amd64&distro=debian-12"},
		{Type: sbom.TypePyPI, Name: "requests", Version: "2.28.1"},
		{Type: sbom.TypeNpm, Name: "lodash", Version: "4.17.21"},
		{Type: sbom.TypeApk, Name: "openssl", Version: "3.1.4-r4", PURL: "pkg:apk/alpine/openssl@3.1.4-r4?distro=alpine-3.19.1"},
	}
	var got []string
	for _, f := range db.Scan(pkgs) {
		got = append(got, f.Advisory)
	}
	if want := "DSA-1 ALPINE-1 PYSEC-1"; strings.Join(got, " ") != want {
		t.Errorf("findings %q, want %s (DSA-2 is Debian 11's, lodash 4.17.21 is fixed)", got, want)
	}
}

func TestLoadBadInput(t *testing.T) {
	dir := t.TempDir()
	corruptZip := filepath.Join(dir, "corrupt", "all.zip")
	writeFile(t, corruptZip, "PK\x03\x04 this is no zip")
	badJSON := filepath.Join(dir, "bad", "GO-1.json")
	writeFile(t, badJSON, `{"id": "GO-1", "affected": [`)
	noID := filepath.Join(dir, "noid", "x.json")
	writeFile(t, noID, `{"summary": "no id"}`)
	inZip := filepath.Join(dir, "inzip.zip")
	writeZip(t, inZip, map[string]string{"GO-2.json": `{"id":"GO-2","affected":[{"package":{"name":"x"}}]}`})
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, names, says string }{
		{filepath.Join(dir, "corrupt"), corruptZip, "zip"},
		{filepath.Join(dir, "bad"), badJSON, "decoding the advisory"},
		{noID, noID, "has no id"},
		{inZip, inZip + "!GO-2.json", "names no package"},
		{empty, empty, "holds no advisories"},
		{filepath.Join(dir, "missing"), filepath.Join(dir, "missing"), "no such file"},
		{filepath.Join(dir, "corrupt", "all.zip"), corruptZip, "zip"},
	} {
		_, err := Load(tt.path)
		var fe *FileError
		if !errors.As(err, &fe) || fe.Path != tt.names || !strings.Contains(err.Error(), tt.says) || !fe.UsageError() {
			t.Errorf("Load(%s) = %v; want a FileError naming %s that says %q", tt.path, err, tt.names, tt.says)
		}
	}
}
