package vuln

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
// counted but not kept.
func Load(path string) (*DB, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	db := newDB()
	if !st.IsDir() {
		if err := db.loadFile(path); err != nil {
			return nil, err
		}
		return db, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
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
		return nil, &FileError{Path: path, Err: errors.New("holds no advisories (*.json files or zips of them, such as the OSV exports' all.zip)")}
	}
	slices.Sort(files)
	for _, f := range files {
		if err := db.loadFile(f); err != nil {
			return nil, err
		}
	}
	return db, nil
}

func (db *DB) loadFile(path string) error {
	switch {
	case strings.HasSuffix(path, ".zip"):
		return db.loadZip(path)
	case strings.HasSuffix(path, ".json"):
		f, err := os.Open(path)
		if err != nil {
			return &FileError{Path: path, Err: err}
		}
		defer f.Close()
		return db.loadOne(path, f)
	}
	return &FileError{Path: path, Err: errors.New("is neither a folder, a .zip nor a .json file of OSV advisories")}
}

func (db *DB) loadZip(path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return &FileError{Path: path, Err: err}
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !strings.HasSuffix(f.Name, ".json") {
			continue
		}
		name := path + "!" + f.Name
		r, err := f.Open()
		if err != nil {
			return &FileError{Path: name, Err: err}
		}
		err = db.loadOne(name, r)
		r.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) loadOne(name string, r io.Reader) error {
	e, err := parse(r)
	if err != nil {
		return &FileError{Path: name, Err: err}
	}
	db.add(e)
	return nil
}
