package baseimage

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ulikunitz/xz"
)

// fakeDeb returns a .deb file whose data archive holds files.
func fakeDeb(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var data bytes.Buffer
	xw, err := xz.NewWriter(&data)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(xw)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := xw.Close(); err != nil {
		t.Fatal(err)
	}
	var ar bytes.Buffer
	ar.WriteString("!<arch>\n")
	for _, m := range []struct {
		name string
		body []byte
	}{{"debian-binary", []byte("2.0\n")}, {"control.tar.xz", []byte("c")}, {"data.tar.xz", data.Bytes()}} {
		fmt.Fprintf(&ar, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", m.name, 0, 0, 0, "100644", len(m.body))
		ar.Write(m.body)
		if len(m.body)%2 == 1 {
			ar.WriteByte('\n')
		}
	}
	return ar.Bytes()
}

func pin(deb []byte) debPackage {
	sum := sha256.Sum256(deb)
	return debPackage{Path: "pool/main/b/busybox/busybox-static_test.deb", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(deb)), Member: "./bin/busybox"}
}

func serve(t *testing.T, deb []byte) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/debian/pool/main/b/busybox/busybox-static_test.deb" {
			http.NotFound(w, r)
			return
		}
		w.Write(deb)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestFetchDebMember(t *testing.T) {
	bin := []byte("\x7fELF pretend busybox")
	deb := fakeDeb(t, map[string][]byte{"./usr/share/doc/x": []byte("doc"), "./bin/busybox": bin})
	srv, hits := serve(t, deb)
	cache := t.TempDir()

	path, err := fetchDebMember(t.Context(), srv.Client(), srv.URL+"/debian/", pin(deb), cache)
	if err != nil {
		t.Fatalf("fetchDebMember: %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, bin) {
		t.Fatalf("cached file holds %q, want %q", got, bin)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o755 {
		t.Errorf("cached file mode %v, want 0755", fi.Mode().Perm())
	}
	again, err := fetchDebMember(t.Context(), srv.Client(), srv.URL+"/debian", pin(deb), cache)
	if err != nil || again != path {
		t.Fatalf("second fetch = %q, %v; want the cached %q", again, err, path)
	}
	if hits.Load() != 1 {
		t.Errorf("the mirror was asked %d times, want once (the second comes from the cache)", hits.Load())
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".tmp-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left in the cache: %v", leftovers)
	}
}

func TestFetchDebMemberRefuses(t *testing.T) {
	deb := fakeDeb(t, map[string][]byte{"./bin/busybox": []byte("real")})
	tampered := fakeDeb(t, map[string][]byte{"./bin/busybox": []byte("evil")})
	noMember := fakeDeb(t, map[string][]byte{"./bin/other": []byte("x")})
	tests := []struct {
		name   string
		served []byte
		pinned debPackage
		mirror string
		want   string
	}{
		{"content differs from the pin", tampered, pin(deb), "/debian", "sha256"},
		{"missing on the mirror", deb, pin(deb), "/elsewhere", "404"},
		{"package without the member", noMember, pin(noMember), "/debian", "no ./bin/busybox"},
		{"not a package", []byte("<html>"), pin([]byte("<html>")), "/debian", "not an ar archive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := serve(t, tt.served)
			cache := t.TempDir()
			_, err := fetchDebMember(t.Context(), srv.Client(), srv.URL+tt.mirror, tt.pinned, cache)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("fetchDebMember: error %v, want one mentioning %q", err, tt.want)
			}
			if entries, _ := os.ReadDir(cache); len(entries) != 0 {
				t.Errorf("a refused package left %d entries in the cache", len(entries))
			}
		})
	}
}

// Without XP_BUSYBOX and without an installed busybox, the pinned package comes from the
// mirror XP_DEBIAN_MIRROR names into the user's cache.
func TestFindBusyboxDownloads(t *testing.T) {
	static, err := os.ReadFile(DefaultBusybox)
	if err != nil {
		t.Fatalf("reading a static busybox to serve: %v", err)
	}
	deb := fakeDeb(t, map[string][]byte{"./bin/busybox": static})
	srv, _ := serve(t, deb)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XP_BUSYBOX", "")
	t.Setenv("XP_DEBIAN_MIRROR", srv.URL+"/debian")
	p := pin(deb)
	got, err := findBusybox(t.Context(), filepath.Join(t.TempDir(), "not-installed"), p)
	if err != nil {
		t.Fatalf("findBusybox: %v", err)
	}
	if !strings.HasPrefix(got, filepath.Join(cache, "x-platform", "debian", p.SHA256)) {
		t.Errorf("findBusybox() = %s, want a file in the cache %s", got, cache)
	}
}

// The pinned package is on Debian's mirror as pinned, and holds a static busybox.
func TestIntegrationDebianBusybox(t *testing.T) {
	pkg, ok := debianBusybox[runtime.GOARCH]
	if !ok {
		t.Fatalf("no busybox-static pinned for %s", runtime.GOARCH)
	}
	mirror := os.Getenv("XP_DEBIAN_MIRROR")
	if mirror == "" {
		mirror = DefaultDebianMirror
	}
	path, err := fetchDebMember(t.Context(), http.DefaultClient, mirror, pkg, t.TempDir())
	if err != nil {
		t.Fatalf("fetching %s from %s: %v", pkg.Path, mirror, err)
	}
	if err := checkStatic(path); err != nil {
		t.Fatalf("the downloaded busybox %s: %v", path, err)
	}
	out, err := exec.Command(path, "echo", "ok").Output()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("running the downloaded busybox: %q, %v", out, err)
	}
}
