package vuln

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// FileError is a database file, or an advisory in one, that cannot be
// read: a mistake in what the user gave, not in the tool.
type FileError struct {
	// Path names the file; an advisory inside a zip is ZIP!ENTRY.
	Path string
	Err  error
}

func (e *FileError) Error() string {
	return fmt.Sprintf("reading the advisory database: %s: %v", e.Path, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// UsageError marks the error as the user's to fix (exit code 2).
func (*FileError) UsageError() bool { return true }

// Load reads an OSV database: a folder (searched through) of advisories
// as *.json files or zips of them, such as the OSV project's per-ecosystem
// exports <ecosystem>/all.zip, or one such zip or JSON file. Advisories of
// ecosystems no version order is known for, and withdrawn ones, are
// counted but not kept. Advisories are decoded on every CPU, and added in
// file order.
func Load(path string) (*DB, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	files := []string{path}
	if st.IsDir() {
		if files, err = databaseFiles(path); err != nil {
			return nil, err
		}
	}
	var srcs []source
	for _, f := range files {
		more, closeFn, err := sourcesOf(f)
		if err != nil {
			return nil, err
		}
		defer closeFn()
		srcs = append(srcs, more...)
	}
	entries, err := parseAll(srcs)
	if err != nil {
		return nil, err
	}
	db := newDB()
	for _, e := range entries {
		db.add(e)
	}
	return db, nil
}

// databaseFiles are the *.json and *.zip files below dir, sorted.
func databaseFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return &FileError{Path: p, Err: err}
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".zip")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, &FileError{Path: dir, Err: errors.New("holds no advisories (*.json files or zips of them, such as the OSV exports' all.zip)")}
	}
	slices.Sort(files)
	return files, nil
}

// source is one advisory to decode; name is its file, ZIP!ENTRY in a zip.
type source struct {
	name string
	open func() (io.ReadCloser, error)
}

// sourcesOf lists the advisories of one file, and what closes it.
func sourcesOf(path string) ([]source, func(), error) {
	switch {
	case strings.HasSuffix(path, ".json"):
		return []source{{path, func() (io.ReadCloser, error) { return os.Open(path) }}}, func() {}, nil
	case strings.HasSuffix(path, ".zip"):
		zr, err := zip.OpenReader(path)
		if err != nil {
			return nil, nil, &FileError{Path: path, Err: err}
		}
		var out []source
		for _, f := range zr.File {
			if !f.FileInfo().IsDir() && strings.HasSuffix(f.Name, ".json") {
				out = append(out, source{path + "!" + f.Name, f.Open})
			}
		}
		return out, func() { zr.Close() }, nil
	}
	return nil, nil, &FileError{Path: path, Err: errors.New("is neither a folder, a .zip nor a .json file of OSV advisories")}
}

// parseAll decodes srcs on every CPU; the error is the first source's, in
// order, that does not decode.
func parseAll(srcs []source) ([]*osvEntry, error) {
	entries := make([]*osvEntry, len(srcs))
	errs := make([]error, len(srcs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(srcs); i = int(next.Add(1) - 1) {
				entries[i], errs[i] = parseSource(srcs[i])
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return entries, nil
}

func parseSource(src source) (*osvEntry, error) {
	r, err := src.open()
	if err != nil {
		return nil, &FileError{Path: src.name, Err: err}
	}
	defer r.Close()
	e, err := parse(r)
	if err != nil {
		return nil, &FileError{Path: src.name, Err: err}
	}
	return e, nil
}
