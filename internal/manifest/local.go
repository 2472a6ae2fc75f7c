package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// LocalFileName is the file beside the manifest that names the services
// each developer builds from a working folder; it is kept out of git.
const LocalFileName = "x-platform.local.yml"

// protected reads environments.<env>.protected.
func (d *decoder) protected(o *object) bool {
	f, ok := o.fields["protected"]
	if !ok || isNull(f.val) {
		return false
	}
	var b bool
	if f.val.Kind != yaml.ScalarNode || f.val.Tag != "!!bool" || f.val.Decode(&b) != nil {
		d.report(f.val, join(o.path, "protected"), "must be true or false, got %s", describe(f.val))
		return false
	}
	return b
}

// localFile is x-platform.local.yml.
type localFile struct {
	Local map[string]string `yaml:"local"`
}

// LoadLocal reads x-platform.local.yml beside the manifest: service name →
// working folder, relative to the manifest's folder. No file is no
// overrides.
func LoadLocal(root string) (map[string]string, error) {
	path := filepath.Join(root, LocalFileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", LocalFileName, err)
	}
	var f localFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading %s: %w (expected `local: {<service>: <folder>}`)", LocalFileName, err)
	}
	out := map[string]string{}
	for name, dir := range f.Local {
		if dir == "" {
			return nil, fmt.Errorf("reading %s: local.%s names no folder", LocalFileName, name)
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(root, dir)
		}
		out[name] = filepath.Clean(dir)
	}
	return out, nil
}

// ParseLocal reads --local NAME=PATH flags; paths are relative to cwd.
func ParseLocal(flags []string, cwd string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range flags {
		name, dir, ok := strings.Cut(f, "=")
		if !ok || name == "" || dir == "" {
			return nil, fmt.Errorf("--local takes SERVICE=FOLDER, got %q", f)
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(cwd, dir)
		}
		out[name] = filepath.Clean(dir)
	}
	return out, nil
}

// CheckLocal makes sure every service named is in the manifest and every
// folder exists.
func (m *Manifest) CheckLocal(local map[string]string) error {
	names := make([]string, 0, len(local))
	for n := range local {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if m.Service(n) == nil {
			return fmt.Errorf("local override for %q: no such service in %s", n, FileName)
		}
		info, err := os.Stat(local[n])
		if err != nil || !info.IsDir() {
			return fmt.Errorf("local override for %s: %s is not a folder", n, local[n])
		}
	}
	return nil
}
