package baseimage

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/x-platform/x-platform/internal/atomicfile"
)

// debPackage is one file of Debian's archive, pinned by content: the mirror is reached
// over plain http, so the hash is what makes the download trustworthy.
type debPackage struct {
	Path   string // below the mirror's root, as the Packages index's Filename says
	SHA256 string
	Size   int64
	Member string // the file to take from the package's data archive
}

// debianBusybox is busybox-static from Debian 12 (bookworm) per Go architecture, as the
// bookworm Packages index lists it.
var debianBusybox = map[string]debPackage{
	"amd64": {
		Path:   "pool/main/b/busybox/busybox-static_1.35.0-4+deb12u1+b1_amd64.deb",
		SHA256: "3d3fdbe91d4660c873e14b092c213fe81c1da6362daa236eb25d0171eb108744",
		Size:   928188,
		Member: "./bin/busybox",
	},
	"arm64": {
		Path:   "pool/main/b/busybox/busybox-static_1.35.0-4+deb12u1+b1_arm64.deb",
		SHA256: "732c9135564fc71337e0e05fb4da4d11e6c28c1834bce3e405e575afef2a52f5",
		Size:   822236,
		Member: "./bin/busybox",
	},
}

// DefaultDebianMirror is where packages come from unless XP_DEBIAN_MIRROR names another
// mirror (an air-gapped site's own, say).
const DefaultDebianMirror = "http://deb.debian.org/debian"

// downloaded returns pkg's member from the user's cache, downloading the package from
// XP_DEBIAN_MIRROR (or Debian's own mirror) into the cache first when it is not there yet.
func downloaded(ctx context.Context, pkg debPackage) (string, error) {
	if pkg.Path == "" {
		return "", fmt.Errorf("no pinned busybox-static package for %s", runtime.GOARCH)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding a cache folder: %w", err)
	}
	mirror := os.Getenv("XP_DEBIAN_MIRROR")
	if mirror == "" {
		mirror = DefaultDebianMirror
	}
	return fetchDebMember(ctx, http.DefaultClient, mirror, pkg, filepath.Join(cache, "x-platform", "debian"))
}

// fetchDebMember returns the path of pkg's Member under cacheDir, downloading and
// unpacking pkg from mirror when the cache does not hold it. A package whose size or
// hash differs from the pin is refused.
func fetchDebMember(ctx context.Context, hc *http.Client, mirror string, pkg debPackage, cacheDir string) (string, error) {
	dest := filepath.Join(cacheDir, pkg.SHA256, filepath.Base(pkg.Member))
	if _, err := os.Stat(dest); err == nil {
		return dest, nil
	}
	url := strings.TrimSuffix(mirror, "/") + "/" + pkg.Path
	deb, err := download(ctx, hc, url, pkg)
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", url, err)
	}
	data, err := debMember(deb, pkg.Member)
	if err != nil {
		return "", fmt.Errorf("unpacking %s: %w", url, err)
	}
	if err := writeAtomically(dest, data, 0o755); err != nil {
		return "", err
	}
	return dest, nil
}

func download(ctx context.Context, hc *http.Client, url string, pkg debPackage) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the mirror answered %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, pkg.Size+1))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	if int64(len(body)) != pkg.Size || hex.EncodeToString(sum[:]) != pkg.SHA256 {
		return nil, fmt.Errorf("got %d bytes with sha256 %x, want %d bytes with sha256 %s",
			len(body), sum, pkg.Size, pkg.SHA256)
	}
	return body, nil
}

// debMember reads member from the data archive (data.tar.xz) of the .deb file deb, an
// ar archive.
func debMember(deb []byte, member string) ([]byte, error) {
	data, err := arMember(deb, "data.tar.xz")
	if err != nil {
		return nil, err
	}
	xr, err := xz.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("reading data.tar.xz: %w", err)
	}
	tr := tar.NewReader(xr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("no %s in data.tar.xz", member)
		}
		if err != nil {
			return nil, fmt.Errorf("reading data.tar.xz: %w", err)
		}
		if h.Name == member && h.Typeflag == tar.TypeReg {
			return io.ReadAll(tr)
		}
	}
}

// arMember returns the content of the member called name in the ar archive b.
func arMember(b []byte, name string) ([]byte, error) {
	const magic, header = "!<arch>\n", 60
	if !bytes.HasPrefix(b, []byte(magic)) {
		return nil, errors.New("not an ar archive")
	}
	for off := len(magic); off+header <= len(b); {
		h := b[off : off+header]
		size, err := strconv.ParseInt(strings.TrimSpace(string(h[48:58])), 10, 64)
		if err != nil || size < 0 || int64(off+header)+size > int64(len(b)) {
			return nil, fmt.Errorf("corrupt ar header at offset %d", off)
		}
		start := off + header
		if strings.TrimSuffix(strings.TrimSpace(string(h[:16])), "/") == name {
			return b[start : start+int(size)], nil
		}
		off = start + int(size) + int(size%2) // members are 2-byte aligned
	}
	return nil, fmt.Errorf("no %s in the package", name)
}

// writeAtomically writes data to path through a temporary file and a rename, so an
// interrupted run never leaves a half-written binary in the cache.
func writeAtomically(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	if err := atomicfile.Write(path, data, mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
