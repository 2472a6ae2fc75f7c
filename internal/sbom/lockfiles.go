package sbom

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/textproto"
	"strings"
)

// npmLock reads package-lock.json: lockfileVersion 2 and 3 list
// "packages" by their node_modules path, version 1 nests "dependencies".
func npmLock(_ string, b []byte) (found, error) {
	var lock struct {
		Packages map[string]struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Link    bool   `json:"link"`
		} `json:"packages"`
		Dependencies map[string]npmDep `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		return found{}, fmt.Errorf("not a package-lock.json: %w", err)
	}
	var f found
	for p, pkg := range lock.Packages {
		i := strings.LastIndex(p, "node_modules/")
		if p == "" || i < 0 || pkg.Link || pkg.Version == "" {
			continue // the project itself, or a link to a workspace
		}
		name := pkg.Name
		if name == "" {
			name = p[i+len("node_modules/"):]
		}
		f.pkgs = append(f.pkgs, Package{Type: TypeNpm, Name: name, Version: pkg.Version})
	}
	if len(lock.Packages) == 0 {
		f.pkgs = append(f.pkgs, npmV1(lock.Dependencies)...)
	}
	return f, nil
}

type npmDep struct {
	Version      string            `json:"version"`
	Dependencies map[string]npmDep `json:"dependencies"`
}

func npmV1(deps map[string]npmDep) []Package {
	var out []Package
	for name, d := range deps {
		if d.Version != "" && !strings.Contains(d.Version, ":") {
			out = append(out, Package{Type: TypeNpm, Name: name, Version: d.Version})
		}
		out = append(out, npmV1(d.Dependencies)...)
	}
	return out
}

// requirements reads pinned lines (name==version) of a pip requirements
// file; ranges pin nothing and are left out.
func requirements(_ string, b []byte) (found, error) {
	var f found
	for _, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		line, _, _ = strings.Cut(line, ";")
		line = strings.TrimSpace(line)
		name, version, ok := strings.Cut(line, "==")
		if !ok || strings.HasPrefix(line, "-") {
			continue
		}
		name, _, _ = strings.Cut(name, "[") // extras
		version, _, _ = strings.Cut(strings.TrimSpace(version), " ")
		name, version = strings.TrimSpace(name), strings.TrimSpace(version)
		if name != "" && version != "" {
			f.pkgs = append(f.pkgs, Package{Type: TypePyPI, Name: name, Version: version})
		}
	}
	return f, nil
}

// poetryLock reads the name and version of each [[package]] table.
func poetryLock(_ string, b []byte) (found, error) {
	var f found
	var cur *Package
	flush := func() {
		if cur != nil && cur.Name != "" && cur.Version != "" {
			f.pkgs = append(f.pkgs, *cur)
		}
		cur = nil
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "[[package]]":
			flush()
			cur = &Package{Type: TypePyPI}
		case strings.HasPrefix(line, "["):
			flush()
		case cur != nil:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			v = strings.Trim(strings.TrimSpace(v), `"`)
			switch strings.TrimSpace(k) {
			case "name":
				cur.Name = v
			case "version":
				cur.Version = v
			}
		}
	}
	flush()
	return f, nil
}

// pythonMetadata reads an installed distribution's METADATA headers.
func pythonMetadata(_ string, b []byte) (found, error) {
	head, _, _ := bytes.Cut(b, []byte("\n\n"))
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(head, '\n', '\n')))).ReadMIMEHeader()
	if err != nil && h == nil {
		return found{}, fmt.Errorf("not a METADATA file: %w", err)
	}
	name, version := h.Get("Name"), h.Get("Version")
	if name == "" || version == "" {
		return found{}, nil
	}
	return found{pkgs: []Package{{Type: TypePyPI, Name: name, Version: version}}}, nil
}
