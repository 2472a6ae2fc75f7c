package sbom

import (
	"archive/tar"
	"bytes"
	"io"
	"log"
	"math/rand/v2"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// BenchmarkSBOM100MB lists a ~100 MB image read from a registry on
// loopback: four gzip layers of random (incompressible) 1 MiB files, one
// Go binary and a dpkg status file, as a build's signing step reads it.
func BenchmarkSBOM100MB(b *testing.B) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	bin := goBinaryForTest(b)
	rng := rand.New(rand.NewPCG(1, 2))
	var layers []v1.Layer
	total := int64(len(bin))
	for l := range 4 {
		var entries []entry
		for f := range 25 {
			buf := make([]byte, 1<<20)
			for i := 0; i < len(buf); i += 8 {
				v := rng.Uint64()
				for j := 0; j < 8; j++ {
					buf[i+j] = byte(v >> (8 * j))
				}
			}
			entries = append(entries, entry{"data/" + strconv.Itoa(l) + "/" + strconv.Itoa(f) + ".bin", string(buf)})
			total += int64(len(buf))
		}
		if l == 3 {
			entries = append(entries, entry{"usr/local/bin/app", string(bin)}, entry{"var/lib/dpkg/status", dpkg})
		}
		layers = append(layers, gzipLayer(b, entries))
	}
	img := imageOf(b, layers...)
	ref, err := name.ParseReference(strings.TrimPrefix(srv.URL, "http://") + "/bench/app:v1")
	if err != nil {
		b.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		b.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		b.Fatal(err)
	}
	m := SPDXMaker{Tool: "x-platform-bench"}
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		pulled, err := remote.Image(ref.Context().Digest(d.String()))
		if err != nil {
			b.Fatal(err)
		}
		doc, err := m.SBOM(b.Context(), pulled, ref.Context().String(), d.String())
		if err != nil {
			b.Fatal(err)
		}
		if !bytes.Contains(doc, []byte("pkg:golang/github.com/google/go-containerregistry@v0.22.1")) {
			b.Fatalf("the SBOM has no Go modules:\n%.500s", doc)
		}
	}
}

// gzipLayer is a compressed layer of entries, as registries hold them.
func gzipLayer(b *testing.B, entries []entry) v1.Layer {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o755, Size: int64(len(e.body)), Typeflag: tar.TypeReg}); err != nil {
			b.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			b.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		b.Fatal(err)
	}
	raw := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil })
	if err != nil {
		b.Fatal(err)
	}
	// Compress once, as a pushed layer is, rather than on every read.
	z, err := l.Compressed()
	if err != nil {
		b.Fatal(err)
	}
	zb, err := io.ReadAll(z)
	if err != nil {
		b.Fatal(err)
	}
	out, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(zb)), nil })
	if err != nil {
		b.Fatal(err)
	}
	return out
}
