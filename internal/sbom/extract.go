package sbom

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"path"
	"strings"
)

// extractor reads the packages a file lists.
type extractor func(p string, b []byte) (found, error)

// kindOf is the extractor of the file at p (a path from the root), nil
// when its name says nothing (it may still be a Go binary).
func kindOf(p string) extractor {
	dir, base := path.Split(p)
	switch {
	case p == "var/lib/dpkg/status":
		return dpkgStatus
	case dir == "var/lib/dpkg/status.d/" && !strings.HasSuffix(base, ".md5sums"):
		return dpkgStatus // distroless: one status file per package
	case p == "lib/apk/db/installed":
		return apkInstalled
	case p == "etc/os-release" || p == "usr/lib/os-release":
		return osRelease
	case strings.Contains(p, "node_modules/"):
		// Each installed module's own lock file is a lock of its
		// development, not of the image: the top-level one lists them.
		return nil
	case base == "package-lock.json":
		return npmLock
	case base == "requirements.txt":
		return requirements
	case base == "poetry.lock":
		return poetryLock
	case base == "METADATA" && strings.HasSuffix(dir, ".dist-info/") && pythonSite(dir):
		return pythonMetadata
	}
	return nil
}

func pythonSite(dir string) bool {
	return strings.Contains(dir, "/site-packages/") || strings.Contains(dir, "/dist-packages/")
}

// dpkgStatus reads dpkg's status file: the installed paragraphs.
func dpkgStatus(_ string, b []byte) (found, error) {
	var f found
	for _, para := range paragraphs(b) {
		if !strings.HasPrefix(para["status"], "install ok installed") && para["status"] != "" {
			continue
		}
		if para["package"] == "" || para["version"] == "" {
			continue
		}
		f.pkgs = append(f.pkgs, Package{Type: TypeDeb, Name: para["package"], Version: para["version"], Arch: para["architecture"]})
	}
	return f, nil
}

// apkInstalled reads apk's database: P: name, V: version, A: arch.
func apkInstalled(_ string, b []byte) (found, error) {
	var f found
	var cur Package
	flush := func() {
		if cur.Name != "" && cur.Version != "" {
			cur.Type = TypeApk
			f.pkgs = append(f.pkgs, cur)
		}
		cur = Package{}
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case !ok || len(k) != 1:
		case k == "P":
			cur.Name = v
		case k == "V":
			cur.Version = v
		case k == "A":
			cur.Arch = v
		}
	}
	flush()
	return f, nil
}

// paragraphs splits RFC 822-style stanzas into lower-cased fields;
// continuation lines are dropped.
func paragraphs(b []byte) []map[string]string {
	var out []map[string]string
	cur := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = map[string]string{}
			}
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			cur[strings.ToLower(k)] = strings.TrimSpace(v)
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// osRelease reads the distribution's id, which names OS packages' purls.
func osRelease(_ string, b []byte) (found, error) {
	var f found
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			f.distro.ID = v
		case "VERSION_ID":
			f.distro.Version = v
		}
	}
	return f, nil
}

// goBinary reads the module list Go links into its binaries; an ELF file
// that is not a Go binary lists nothing.
func goBinary(_ string, b []byte) (found, error) {
	info, err := buildinfo.Read(bytes.NewReader(b))
	if err != nil {
		return found{}, nil
	}
	var f found
	if info.Main.Path != "" {
		f.pkgs = append(f.pkgs, Package{Type: TypeGo, Name: info.Main.Path, Version: info.Main.Version, Main: true})
	}
	for _, d := range info.Deps {
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		f.pkgs = append(f.pkgs, Package{Type: TypeGo, Name: m.Path, Version: m.Version})
	}
	f.pkgs = append(f.pkgs, Package{Type: TypeGo, Name: "stdlib", Version: info.GoVersion})
	return f, nil
}
