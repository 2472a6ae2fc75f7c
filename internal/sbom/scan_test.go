package sbom

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/x-platform/x-platform/internal/testenv"
)

// entry is a file of a test layer; an empty body with a name ending in
// "/" is a directory.
type entry struct{ name, body string }

// layer is a tar layer of entries, in order.
func layer(t testing.TB, entries ...entry) v1.Layer {
	t.Helper()
	files := make([]testenv.File, len(entries))
	for i, e := range entries {
		files[i] = testenv.File{Name: e.name, Body: e.body}
	}
	return testenv.Layer(t, files...)
}

func imageOf(t testing.TB, layers ...v1.Layer) v1.Image {
	t.Helper()
	return testenv.Image(t, layers...)
}

const dpkg = `Package: libc6
Status: install ok installed
Architecture: amd64
Version: 2.36-9+deb12u7
Description: GNU C Library
 continued description: not a field

Package: removed
Status: deinstall ok config-files
Version: 1.0

Package: busybox-static
Status: install ok installed
Architecture: amd64
Version: 1:1.35.0-4+b3
`

const osRel = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n"

func purls(inv *Inventory) map[string]string {
	out := map[string]string{}
	for _, p := range inv.Packages {
		out[p.PURL] = p.Source
	}
	return out
}

func TestScanFindsEachKind(t *testing.T) {
	bin := goBinaryForTest(t)
	img := imageOf(t,
		layer(t, entry{"etc/os-release", osRel}, entry{"./var/lib/dpkg/status", dpkg},
			entry{"var/lib/dpkg/status.d/tzdata", "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n"},
			entry{"var/lib/dpkg/status.d/tzdata.md5sums", "abc  usr/share/zoneinfo/UTC\n"}),
		layer(t, entry{"/usr/local/bin/app", string(bin)}, entry{"usr/bin/not-go", "\x7fELF plus nothing a Go binary has"},
			entry{"lib/apk/db/installed", "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\n\nP:busybox\nV:1.36.1-r29\nA:x86_64\n"},
			entry{"app/package-lock.json", `{"lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/left-pad":{"version":"1.3.0"},` +
				`"node_modules/@scope/pkg":{"version":"2.0.0"},"node_modules/ws":{"link":true}}}`},
			entry{"app/node_modules/left-pad/package-lock.json", "not read: a module's own lock"},
			entry{"old/package-lock.json", `{"lockfileVersion":1,"dependencies":{"a":{"version":"1.0.0","dependencies":{"b":{"version":"2.0.0"}}}}}`},
			entry{"srv/requirements.txt", "# pinned\nrequests[socks]==2.31.0 ; python_version > '3'\nflask>=2\n-r other.txt\nDjango == 4.2.1\n"},
			entry{"srv/poetry.lock", "[[package]]\nname = \"idna\"\nversion = \"3.6\"\n\n[package.dependencies]\nx = \"*\"\n\n[[package]]\nname = \"certifi\"\nversion = \"2024.2.2\"\n"},
			entry{"usr/lib/python3/dist-packages/PyYAML-6.0.1.dist-info/METADATA", "Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.1\n\nbody: ignored\n"}),
	)
	inv, err := Scan(t.Context(), img)
	if err != nil {
		t.Fatal(err)
	}
	got := purls(inv)
	want := map[string]string{
		"pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12":           "/var/lib/dpkg/status",
		"pkg:deb/debian/busybox-static@1%3A1.35.0-4%2Bb3?arch=amd64&distro=debian-12": "/var/lib/dpkg/status",
		"pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12":           "/var/lib/dpkg/status.d/tzdata",
		"pkg:apk/debian/musl@1.2.5-r0?arch=x86_64&distro=debian-12":                   "/lib/apk/db/installed",
		"pkg:npm/left-pad@1.3.0":     "/app/package-lock.json",
		"pkg:npm/%40scope/pkg@2.0.0": "/app/package-lock.json",
		"pkg:npm/a@1.0.0":            "/old/package-lock.json",
		"pkg:npm/b@2.0.0":            "/old/package-lock.json",
		"pkg:pypi/requests@2.31.0":   "/srv/requirements.txt",
		"pkg:pypi/django@4.2.1":      "/srv/requirements.txt",
		"pkg:pypi/idna@3.6":          "/srv/poetry.lock",
		"pkg:pypi/certifi@2024.2.2":  "/srv/poetry.lock",
		"pkg:pypi/pyyaml@6.0.1":      "/usr/lib/python3/dist-packages/PyYAML-6.0.1.dist-info/METADATA",
		"pkg:golang/github.com/google/go-containerregistry@v0.22.1": "/usr/local/bin/app",
		"pkg:golang/github.com/opencontainers/go-digest@v1.0.0":     "/usr/local/bin/app",
	}
	for p, src := range want {
		if got[p] != src {
			t.Errorf("%s: found in %q, want %q", p, got[p], src)
		}
	}
	for p := range got {
		if strings.Contains(p, "removed") || strings.Contains(p, "ws@") || strings.Contains(p, "flask") || strings.Contains(p, "/app@") {
			t.Errorf("listed %s, which is not installed or not pinned", p)
		}
	}
	var main, stdlib bool
	for _, p := range inv.Packages {
		main = main || p.Main && p.Name == "github.com/x-platform/x-platform"
		stdlib = stdlib || p.Type == TypeGo && p.Name == "stdlib" && strings.HasPrefix(p.Version, "go1.")
	}
	if !main || !stdlib {
		t.Errorf("the Go binary's main module (%v) or standard library (%v) is missing: %+v", main, stdlib, inv.Packages)
	}
	if inv.Distro != "debian" || inv.DistroVersion != "12" {
		t.Errorf("distro %q %q, want debian 12", inv.Distro, inv.DistroVersion)
	}
}

// Files deleted or hidden by a later layer list nothing; a file written
// again lists what its last version says.
func TestScanHonoursWhiteouts(t *testing.T) {
	lock := func(v string) string {
		return `{"lockfileVersion":3,"packages":{"node_modules/x":{"version":"` + v + `"}}}`
	}
	img := imageOf(t,
		layer(t, entry{"var/lib/dpkg/status", dpkg}, entry{"a/package-lock.json", lock("1.0.0")},
			entry{"b/c/package-lock.json", lock("2.0.0")}, entry{"d/package-lock.json", lock("3.0.0")},
			entry{"e/package-lock.json", lock("4.0.0")}),
		layer(t, entry{"var/lib/dpkg/.wh.status", ""}, entry{"b/.wh.c", ""}, entry{"d/.wh..wh..opq", ""},
			entry{"d/package-lock.json", lock("3.1.0")}, entry{"e/package-lock.json", lock("4.1.0")}),
	)
	inv, err := Scan(t.Context(), img)
	if err != nil {
		t.Fatal(err)
	}
	got := purls(inv)
	want := map[string]string{"pkg:npm/x@1.0.0": "/a/package-lock.json", "pkg:npm/x@3.1.0": "/d/package-lock.json", "pkg:npm/x@4.1.0": "/e/package-lock.json"}
	if len(got) != len(want) {
		t.Errorf("found %v, want %v", got, want)
	}
	for p, src := range want {
		if got[p] != src {
			t.Errorf("%s: found in %q, want %q (all: %v)", p, got[p], src, got)
		}
	}
}

// A lock file that is not what its name says stops the scan, naming it.
func TestScanBadFileNamesIt(t *testing.T) {
	img := imageOf(t, layer(t, entry{"srv/app/package-lock.json", `{"packages": [`}))
	_, err := Scan(t.Context(), img)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != "srv/app/package-lock.json" || !fe.UsageError() ||
		!strings.Contains(err.Error(), "/srv/app/package-lock.json: not a package-lock.json") {
		t.Errorf("Scan of a broken package-lock.json: %v, want a FileError naming it", err)
	}
}

// goBinaryForTest is a Go binary (testdata/gobin) that links two modules.
func goBinaryForTest(t testing.TB) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "gobin")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/gobin")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building testdata/gobin: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
