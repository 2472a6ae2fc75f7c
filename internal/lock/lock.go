package lock

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/x-platform/x-platform/internal/atomicfile"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
)

// FileName sits beside the manifest.
const FileName = "x-platform.lock"

// File is a decoded lock file.
type File struct {
	Registry string           `yaml:"registry"`
	Services map[string]Entry `yaml:"services"`
}

// Entry pins one service.
type Entry struct {
	// Reference is the manifest's reference when the lock was written.
	Reference string    `yaml:"reference"`
	Commit    string    `yaml:"commit"`
	Key       string    `yaml:"key"`
	Image     image.Ref `yaml:"image"`
	Digest    string    `yaml:"digest"`
}

// Path is where the lock of manifest m lives.
func Path(m *manifest.Manifest) string { return filepath.Join(m.Root, FileName) }

// ErrNoLock says there is no lock file to use.
var ErrNoLock = errors.New("no lock file")

var (
	commitPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)
	digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

// Read decodes a lock file strictly.
func Read(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s: run x-platform lock first", ErrNoLock, path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading lock: %w", err)
	}
	f, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", path, err)
	}
	return f, nil
}

// Decode reads the text of a lock file strictly: unknown keys, a second
// document and services without a commit or digest are refused.
func Decode(data []byte) (*File, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	for name, e := range f.Services {
		// Both end up in git checkouts and image references: anything but
		// hex could name something else there.
		if !commitPattern.MatchString(e.Commit) || !digestPattern.MatchString(e.Digest) {
			return nil, fmt.Errorf("service %s needs a 40-hex commit and a sha256:<64 hex> digest; run x-platform lock to write the lock again", name)
		}
	}
	return &f, nil
}

// Encode returns the text of f as Write stores it.
func Encode(f *File) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# x-platform.lock: the exact commits, cache keys and images of a release.\n")
	buf.WriteString("# Written by `x-platform lock`; used by `build --locked` and `deploy --locked`.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Write stores f at path atomically, with a header saying what it is.
func Write(path string, f *File) error {
	data, err := Encode(f)
	if err != nil {
		return fmt.Errorf("encoding lock: %w", err)
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return fmt.Errorf("writing lock: %w", err)
	}
	return nil
}

// MismatchError lists where the manifest and the lock disagree.
type MismatchError struct {
	Path     string
	Problems []string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("the manifest and %s disagree: %s; run x-platform lock to write a new lock",
		e.Path, strings.Join(e.Problems, "; "))
}

// Check makes sure the lock covers exactly what the manifest says for the
// given services: the same registry, the same references.
func (f *File) Check(path, registry string, services []*manifest.Service) error {
	var problems []string
	if f.Registry != registry {
		problems = append(problems, fmt.Sprintf("registry is %s in the manifest, %s in the lock", registry, f.Registry))
	}
	for _, s := range services {
		e, ok := f.Services[s.Name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("service %s is not in the lock", s.Name))
		case e.Reference != s.Git.Reference:
			problems = append(problems, fmt.Sprintf("%s references %s in the manifest, %s in the lock", s.Name, s.Git.Reference, e.Reference))
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		return &MismatchError{Path: path, Problems: problems}
	}
	return nil
}
