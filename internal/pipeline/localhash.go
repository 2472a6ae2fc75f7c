package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ContentHash hashes the files a build of dir sees: every path below it
// but .git folders, with its type, permission bits and content (or a
// link's target). Walking in lexical order makes it the same on every run
// and machine; files are streamed, not held in memory.
func ContentHash(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if d.Name() == ".git" && rel != "." {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil // a submodule's or worktree's .git file
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := info.Mode() & (fs.ModeType | fs.ModePerm)
		fmt.Fprintf(h, "%s\x00%o\x00", filepath.ToSlash(rel), uint32(mode))
		switch {
		case mode.IsRegular():
			if err := hashFile(h, p); err != nil {
				return err
			}
		case mode&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			io.WriteString(h, target)
		}
		_, err = h.Write([]byte{'\n'})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("hashing %s: %w", dir, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashFile writes the digest of the file's content, so one file's bytes
// cannot run into the next entry's.
func hashFile(h io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fh := sha256.New()
	if _, err := io.Copy(fh, f); err != nil {
		return err
	}
	_, err = h.Write(fh.Sum(nil))
	return err
}
