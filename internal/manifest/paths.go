package manifest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// toolOwned returns the first part of the slash-separated path p that git
// or x-platform keeps for itself (.git, .x-platform with its backups and
// reports, .x-platform-render), or "". A service checkout there would
// overwrite hooks, backups or reports, or be wiped with them.
func toolOwned(p string) string {
	for _, part := range strings.Split(p, "/") {
		if part == ".git" || strings.HasPrefix(part, ".x-platform") {
			return part
		}
	}
	return ""
}

func toolOwnedProblem(owned string) string {
	return fmt.Sprintf("must not be inside %s, which git and x-platform keep for themselves; use a folder such as src/<service>", owned)
}

// systemDirs are folders of a builder image that the source must not be
// copied over: it would hide or mix with the image's own files.
var systemDirs = map[string]bool{
	"/bin": true, "/boot": true, "/dev": true, "/etc": true, "/lib": true, "/lib32": true, "/lib64": true,
	"/libx32": true, "/proc": true, "/run": true, "/sbin": true, "/sys": true, "/usr": true, "/var": true,
	"/usr/bin": true, "/usr/sbin": true, "/usr/lib": true, "/usr/lib32": true, "/usr/lib64": true,
	"/usr/libexec": true, "/usr/include": true, "/usr/share": true, "/usr/local": true,
	"/usr/local/bin": true, "/usr/local/sbin": true, "/usr/local/lib": true, "/usr/local/share": true,
	"/var/lib": true, "/var/run": true, "/var/log": true, "/var/cache": true,
}

// kernelDirs hold the kernel's files, not the image's: nothing may be
// copied anywhere below them.
var kernelDirs = []string{"/proc", "/sys", "/dev"}

// workdirProblem checks dockerBuilder.workdir, where the source is copied
// inside the builder image. Any absolute folder is allowed but /, the
// system folders and anything below /proc, /sys and /dev.
func workdirProblem(s string) string {
	const use = "; use a folder of its own, such as /src/<service>"
	clean := path.Clean(s)
	switch {
	case !path.IsAbs(s):
		return "must be an absolute path inside the builder, such as " + path.Clean("/"+s)
	case clean == "/":
		return "must not be /: the source copied there would cover the whole builder image" + use
	case systemDirs[clean]:
		return fmt.Sprintf("must not be %s, a system folder of the builder image%s", clean, use)
	}
	for _, k := range kernelDirs {
		if strings.HasPrefix(clean, k+"/") {
			return fmt.Sprintf("must not be inside %s, which holds the kernel's files%s", k, use)
		}
	}
	return ""
}

// resolvedDir follows the links along root/dir, as far as its folders
// exist, and returns where it leads relative to root (slash-separated),
// or a problem when that is outside root, root itself or a folder git or
// x-platform keeps. The folders that do not exist yet are made by sync
// below the last one that does, so they cannot lead anywhere else.
func resolvedDir(root, dir string) (string, string) {
	realRoot, err := resolveExisting(root)
	if err != nil {
		return "", fmt.Sprintf("resolving the links of the manifest's folder: %v", err)
	}
	real, err := resolveExisting(filepath.Join(root, dir))
	if err != nil {
		return "", fmt.Sprintf("resolving the links of %s: %v", dir, err)
	}
	rel, err := filepath.Rel(realRoot, real)
	rel = filepath.ToSlash(rel)
	switch {
	case err != nil || escapes(rel):
		return "", fmt.Sprintf("%s leads to %s, outside the manifest's folder; the dir of a service must stay inside it", dir, real)
	case rel == ".":
		return "", fmt.Sprintf("%s leads to the manifest's folder itself; use a subfolder such as src/<service>", dir)
	case toolOwned(rel) != "":
		return "", fmt.Sprintf("%s leads to %s, which git and x-platform keep for themselves; use a folder such as src/<service>", dir, rel)
	}
	return rel, ""
}

// resolveExisting returns the absolute path p with the links of its
// longest existing part resolved and the rest appended as written. A
// dangling link or a loop along p is an error.
func resolveExisting(p string) (string, error) {
	p, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	cur, rest := p, ""
	for {
		_, err := os.Lstat(cur)
		if err == nil {
			break
		}
		parent := filepath.Dir(cur)
		if !errors.Is(err, fs.ErrNotExist) || parent == cur {
			return "", err
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
	real, err := filepath.EvalSymlinks(cur)
	if err != nil {
		return "", err
	}
	return filepath.Join(real, rest), nil
}
