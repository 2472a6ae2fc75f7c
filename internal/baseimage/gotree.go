package baseimage

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
)

// hostGoRoot finds the Go toolchain of this machine: the go command's GOROOT, else the one
// this program was built with.
func hostGoRoot(ctx context.Context) (string, error) {
	root := ""
	if out, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output(); err == nil {
		root = strings.TrimSpace(string(out))
	}
	if root == "" {
		root = runtime.GOROOT()
	}
	if root == "" {
		return "", errors.New("finding the Go toolchain: no go command on PATH and no GOROOT known")
	}
	resolved, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("finding the Go toolchain: %w", err)
	}
	if _, err := os.Stat(filepath.Join(resolved, "bin", "go")); err != nil {
		return "", fmt.Errorf("finding the Go toolchain in %s: %w", resolved, err)
	}
	return resolved, nil
}

// writeToolchainRootfs writes, as one tar stream, the entries of base (a container export)
// followed by the Go toolchain tc.
func writeToolchainRootfs(w io.Writer, base io.Reader, tc toolchain) error {
	tw := tar.NewWriter(w)
	tr := tar.NewReader(base)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading the base image's files: %w", err)
		}
		if strings.TrimPrefix(h.Name, "/") == ".dockerenv" {
			continue // added by the engine to every container, not part of the image
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("writing %s: %w", h.Name, err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return fmt.Errorf("writing %s: %w", h.Name, err)
		}
	}
	dst := strings.TrimPrefix(GoRootInImage, "/")
	dirs := map[string]bool{} // a tar with one directory twice is refused by the engine
	if err := addTree(tw, tc.goroot, dst, tc.keep, dirs); err != nil {
		return err
	}
	if tc.programs != "" {
		if err := addTree(tw, tc.programs, dst, func(string) bool { return true }, dirs); err != nil {
			return err
		}
	}
	return tw.Close()
}

// addTree writes the directory src under the name dst, owned by root, leaving out the
// directories keep refuses and not writing again those in dirs, to which it adds its own.
func addTree(tw *tar.Writer, src, dst string, keep func(rel string) bool, dirs map[string]bool) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() && !keep(rel) {
			return filepath.SkipDir
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		link := ""
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			if link, err = os.Readlink(p); err != nil {
				return fmt.Errorf("reading link %s: %w", p, err)
			}
		case !info.Mode().IsRegular() && !info.IsDir():
			return nil // sockets and devices have no place in an image
		}
		h, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return fmt.Errorf("describing %s: %w", p, err)
		}
		h.Name = path.Join(dst, rel)
		if info.IsDir() {
			h.Name += "/"
			if dirs[h.Name] {
				return nil
			}
			dirs[h.Name] = true
		}
		h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "", ""
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("writing %s: %w", h.Name, err)
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		return copyFile(tw, p)
	})
}

func copyFile(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("copying %s: %w", p, err)
	}
	return nil
}
