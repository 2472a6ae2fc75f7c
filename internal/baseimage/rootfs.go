package baseimage

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"time"
)

// DefaultBusybox is where Debian's busybox-static package installs its binary.
const DefaultBusybox = "/bin/busybox"

// applets are linked in /bin; scripts run by builders and tests rely on them.
var applets = []string{
	"[", "[[", "awk", "basename", "cat", "chmod", "chown", "cp", "cut", "date", "dd", "df",
	"diff", "dirname", "du", "echo", "env", "expr", "false", "find", "grep", "gunzip", "gzip",
	"head", "hostname", "httpd", "id", "kill", "ln", "ls", "md5sum", "mkdir", "mktemp", "mv",
	"nc", "printf", "ps", "pwd", "readlink", "realpath", "rm", "rmdir", "sed", "seq", "sh",
	"sha256sum", "sleep", "sort", "stat", "tail", "tar", "tee", "test", "timeout", "touch",
	"tr", "true", "uname", "uniq", "vi", "wc", "wget", "which", "whoami", "xargs", "yes",
	"zcat",
}

const (
	passwd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
	group  = "root:x:0:\nnobody:x:65534:\n"
)

// errNotStatic tells a dynamically linked binary, which cannot run in an empty root
// filesystem, from a missing one.
var errNotStatic = errors.New("not a statically linked ELF executable")

// findBusybox returns the busybox binary to put in images, checking it can run alone:
// XP_BUSYBOX when set, else Debian's busybox-static when installed (at installed), else
// that package (pkg, pinned by hash) downloaded from Debian's mirror into the user's cache.
func findBusybox(ctx context.Context, installed string, pkg debPackage) (string, error) {
	if path := os.Getenv("XP_BUSYBOX"); path != "" {
		if err := checkStatic(path); err != nil {
			return "", fmt.Errorf("checking busybox %s (XP_BUSYBOX): %w (unset it, or name a static busybox)", path, err)
		}
		return path, nil
	}
	if checkStatic(installed) == nil {
		return installed, nil
	}
	path, err := downloaded(ctx, pkg)
	if err != nil {
		return "", fmt.Errorf("finding a static busybox: %w (install Debian's busybox-static, set XP_BUSYBOX to a static busybox, or XP_DEBIAN_MIRROR to a reachable Debian mirror)", err)
	}
	if err := checkStatic(path); err != nil {
		return "", fmt.Errorf("checking busybox %s: %w", path, err)
	}
	return path, nil
}

// checkStatic fails unless path is an ELF executable without a program interpreter.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		var fe *elf.FormatError
		if errors.As(err, &fe) {
			return errNotStatic
		}
		return err
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return errNotStatic
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return errNotStatic
		}
	}
	return nil
}

// busyboxRootfs returns, as a tar stream, a minimal root filesystem around the busybox binary.
func busyboxRootfs(bin string) (*bytes.Buffer, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", bin, err)
	}
	var buf bytes.Buffer
	w := &rootfsWriter{tw: tar.NewWriter(&buf), mtime: time.Now().Truncate(time.Second)}
	for _, d := range []struct {
		name string
		mode int64
	}{
		{"bin", 0o755}, {"dev", 0o755}, {"etc", 0o755}, {"home", 0o755}, {"proc", 0o555},
		{"root", 0o700}, {"sys", 0o555}, {"tmp", 0o1777}, {"usr", 0o755}, {"usr/local", 0o755},
		{"usr/local/bin", 0o755}, {"var", 0o755}, {"var/tmp", 0o1777},
	} {
		w.dir(d.name, d.mode)
	}
	w.symlink("sbin", "bin")
	w.symlink("usr/bin", "../bin")
	w.symlink("usr/sbin", "../bin")
	w.file("bin/busybox", 0o755, data)
	for _, a := range applets {
		w.symlink("bin/"+a, "busybox")
	}
	w.file("etc/passwd", 0o644, []byte(passwd))
	w.file("etc/group", 0o644, []byte(group))
	w.file("etc/hosts", 0o644, nil)
	if err := w.close(); err != nil {
		return nil, err
	}
	return &buf, nil
}

// rootfsWriter writes tar entries owned by root and keeps the first error.
type rootfsWriter struct {
	tw    *tar.Writer
	mtime time.Time
	err   error
}

func (w *rootfsWriter) header(h *tar.Header) {
	if w.err != nil {
		return
	}
	h.ModTime, h.Format = w.mtime, tar.FormatPAX
	if err := w.tw.WriteHeader(h); err != nil {
		w.err = fmt.Errorf("writing %s: %w", h.Name, err)
	}
}

func (w *rootfsWriter) dir(name string, mode int64) {
	w.header(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode})
}

func (w *rootfsWriter) symlink(name, target string) {
	w.header(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777})
}

func (w *rootfsWriter) file(name string, mode int64, data []byte) {
	w.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data))})
	if w.err != nil {
		return
	}
	if _, err := w.tw.Write(data); err != nil {
		w.err = fmt.Errorf("writing %s: %w", name, err)
	}
}

func (w *rootfsWriter) close() error {
	if w.err != nil {
		return w.err
	}
	return w.tw.Close()
}
