package sbom

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// maxFile is the largest file read into memory: a Go binary larger than
// this is listed without its modules' check, the rest are not read.
const maxFile = 512 << 20

// FileError is a file of interest in the image that cannot be read as what
// its name says it is: the image is bad input, not the registry.
type FileError struct {
	// Path is the file's path in the image, from /.
	Path string
	Err  error
}

func (e *FileError) Error() string {
	return fmt.Sprintf("listing the software of the image: /%s: %v", e.Path, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// UsageError says the image, which the user's build made, is to fix
// (exit code 2).
func (*FileError) UsageError() bool { return true }

// found is what one file of interest says: the packages it lists, or the
// distribution's id for /etc/os-release.
type found struct {
	pkgs   []Package
	distro distro
}

// Scan lists the packages in img's file system, reading each layer once
// as a stream, bottom to top, and honouring whiteouts: a file deleted or
// hidden by a later layer lists nothing.
func Scan(ctx context.Context, img v1.Image) (*Inventory, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading the image's layers: %w", err)
	}
	files := map[string]found{}
	for i, l := range layers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := scanLayer(l, files); err != nil {
			var fe *FileError
			if errors.As(err, &fe) {
				return nil, err
			}
			d, _ := l.Digest()
			return nil, fmt.Errorf("reading layer %d (%s): %w", i+1, d, err)
		}
	}
	return inventoryOf(files), nil
}

// scanLayer reads one layer and applies it over files: its whiteouts
// remove what lower layers left, then its own files replace theirs.
func scanLayer(l v1.Layer, files map[string]found) error {
	rc, err := l.Uncompressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	own := map[string]found{}
	var gone, opaque []string
	tr := tar.NewReader(rc)
	br := bufio.NewReaderSize(nil, 4096)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		p := clean(h.Name)
		dir, base := path.Split(p)
		switch {
		case base == ".wh..wh..opq":
			opaque = append(opaque, strings.TrimSuffix(dir, "/"))
			continue
		case strings.HasPrefix(base, ".wh."):
			gone = append(gone, dir+strings.TrimPrefix(base, ".wh."))
			continue
		}
		// A path written again by this layer hides the lower one, even
		// when this one is no longer of interest (a directory, a link).
		delete(files, p)
		if h.Typeflag != tar.TypeReg || h.Size == 0 {
			continue
		}
		br.Reset(tr)
		f, ok, err := readFile(p, h.Size, br)
		if err != nil {
			return &FileError{Path: p, Err: err}
		}
		if ok {
			own[p] = f
		}
	}
	for _, g := range gone {
		removeTree(files, g)
	}
	for _, o := range opaque {
		removeUnder(files, o)
	}
	for p, f := range own {
		files[p] = f
	}
	return nil
}

// clean is a tar entry's name as a path from the root, without a leading
// "./" or "/".
func clean(name string) string {
	p := path.Clean("/" + name)
	return strings.TrimPrefix(p, "/")
}

func removeTree(files map[string]found, p string) {
	delete(files, p)
	removeUnder(files, p)
}

func removeUnder(files map[string]found, dir string) {
	prefix := dir + "/"
	if dir == "" || dir == "." {
		prefix = ""
	}
	for k := range files {
		if strings.HasPrefix(k, prefix) {
			delete(files, k)
		}
	}
}

// readFile reads p when it is a file of interest; ok is false when it is
// not one, or lists nothing.
func readFile(p string, size int64, r *bufio.Reader) (found, bool, error) {
	kind := kindOf(p)
	if kind == nil {
		// Any other file may be a Go binary: its first bytes tell.
		magic, err := r.Peek(4)
		if err != nil && err != io.EOF {
			return found{}, false, err
		}
		if size > maxFile || string(magic) != "\x7fELF" {
			return found{}, false, nil
		}
		kind = goBinary
	}
	if size > maxFile {
		return found{}, false, fmt.Errorf("%d bytes is more than the %d read", size, maxFile)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return found{}, false, err
	}
	f, err := kind(p, b)
	if err != nil {
		return found{}, false, err
	}
	return f, len(f.pkgs) > 0 || f.distro.ID != "", nil
}
