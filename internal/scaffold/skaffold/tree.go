package skaffold

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// tree is the files of one repository, by slash-separated path from its
// root: a checkout on disk, or a remote's commit read into memory.
type tree interface {
	read(p string) ([]byte, error)
	// files lists every file below dir ("" or "." for all), sorted.
	files(dir string) []string
	isDir(p string) bool
}

// diskTree is a checkout's working folder.
type diskTree string

func (d diskTree) abs(p string) string { return filepath.Join(string(d), filepath.FromSlash(p)) }

func (d diskTree) read(p string) ([]byte, error) { return os.ReadFile(d.abs(p)) }

func (d diskTree) isDir(p string) bool {
	st, err := os.Stat(d.abs(p))
	return err == nil && st.IsDir()
}

func (d diskTree) files(dir string) []string {
	var out []string
	_ = filepath.WalkDir(d.abs(dir), func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if e.IsDir() && e.Name() == ".git" {
			return filepath.SkipDir
		}
		if e.Type().IsRegular() {
			if rel, err := filepath.Rel(string(d), p); err == nil {
				out = append(out, filepath.ToSlash(rel))
			}
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// memTree is a commit's files read from a remote.
type memTree map[string][]byte

func (m memTree) read(p string) ([]byte, error) {
	if b, ok := m[p]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
}

func (m memTree) isDir(p string) bool {
	p = strings.TrimSuffix(p, "/") + "/"
	for f := range m {
		if strings.HasPrefix(f, p) || p == "./" {
			return true
		}
	}
	return false
}

func (m memTree) files(dir string) []string {
	var out []string
	for f := range m {
		if under(f, dir) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

func under(p, dir string) bool {
	return dir == "" || dir == "." || p == dir || strings.HasPrefix(p, dir+"/")
}

// glob lists the files of t that pattern matches, as Skaffold's globs do:
// * and ? within a path segment, ** across segments.
func glob(t tree, pattern string) []string {
	pattern = path.Clean(pattern)
	if !strings.ContainsAny(pattern, "*?[") {
		if _, err := t.read(pattern); err == nil {
			return []string{pattern}
		}
		return nil
	}
	var prefix []string
	for _, seg := range strings.Split(pattern, "/") {
		if strings.ContainsAny(seg, "*?[") {
			break
		}
		prefix = append(prefix, seg)
	}
	re := globRegexp(pattern)
	var out []string
	for _, f := range t.files(strings.Join(prefix, "/")) {
		if re.MatchString(f) {
			out = append(out, f)
		}
	}
	return out
}

func globRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case strings.HasPrefix(pattern[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(pattern[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}
