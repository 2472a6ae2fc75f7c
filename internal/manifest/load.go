package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Load reads and parses the manifest at path.
func Load(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a manifest read from path. Of the disk it
// reads only the links along each service's dir, to know where it leads. Problems in the file come back together as Errors, each
// located at file:line:col with path spelt as the caller gave it.
func Parse(path string, data []byte) (*Manifest, error) {
	return parse(&decoder{file: path}, data)
}

// parseText checks data as Parse does, but by the text alone: links along
// the services' dirs are not read.
func parseText(path string, data []byte) (*Manifest, error) {
	return parse(&decoder{file: path, lexical: true}, data)
}

func parse(d *decoder, data []byte) (*Manifest, error) {
	path := d.file
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolving manifest path %s: %w", path, err)
	}
	m := &Manifest{Path: abs, Root: filepath.Dir(abs)}
	if root := d.document(data); root != nil {
		d.manifest(root, m)
	}
	if len(d.errs) > 0 {
		return nil, d.problems()
	}
	return m, nil
}

// problems returns the problems found, sorted by position. Each is kept
// once: a mapping merged twice into the same place is walked twice.
func (d *decoder) problems() Errors {
	d.errs.sortByPosition()
	var out Errors
	seen := map[Error]bool{}
	for _, e := range d.errs {
		if !seen[*e] {
			seen[*e] = true
			out = append(out, e)
		}
	}
	return out
}

// document returns the root node of the first YAML document in data, or
// nil after reporting why there is none. Anything after that document is
// reported too, but the first is still checked so that one run shows all.
func (d *decoder) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := dec.Decode(&doc)
	switch {
	case errors.Is(err, io.EOF), err == nil && isEmpty(doc.Content[0]):
		d.report(&yaml.Node{Line: 1, Column: 1}, "", "the manifest is empty; it needs at least services")
		return nil
	case err != nil:
		d.syntax(err, data)
		return nil
	}
	for {
		var extra yaml.Node
		err := dec.Decode(&extra)
		switch {
		case errors.Is(err, io.EOF):
			return resolve(doc.Content[0])
		case err != nil:
			d.syntax(err, data)
			return resolve(doc.Content[0])
		case len(extra.Content) > 0 && !isEmpty(extra.Content[0]):
			d.report(extra.Content[0], "", "a manifest holds a single YAML document; this is a second one")
			return resolve(doc.Content[0])
		}
		// An empty document, as after a trailing "---", holds nothing to lose.
	}
}

func isEmpty(n *yaml.Node) bool {
	return isNull(n) && n.Value == ""
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntax reports a yaml.v3 parse error. yaml.v3 gives a line but no
// column; errors about bad characters come without a line, so those are
// located here.
func (d *decoder) syntax(err error, data []byte) {
	line, col, msg := 1, 1, err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		line, col = badCharacter(data)
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Col: col, Msg: "invalid YAML: " + msg})
}

// badCharacter finds the first byte sequence YAML does not allow: invalid
// UTF-8 or a control character other than tab and line breaks.
func badCharacter(data []byte) (line, col int) {
	line, col = 1, 1
	for len(data) > 0 {
		if n := lineBreak(data); n > 0 {
			line, col = line+1, 1
			data = data[n:]
			continue
		}
		r, size := utf8.DecodeRune(data)
		bad := r == utf8.RuneError && size == 1 ||
			r < 0x20 && r != '\t' ||
			r >= 0x7f && r <= 0x9f ||
			r == 0xfffe || r == 0xffff
		if bad {
			return line, col
		}
		col++
		data = data[size:]
	}
	return 1, 1
}

// lineBreak returns the length of the line break data starts with, or 0.
// YAML breaks lines at CR LF, CR, LF, NEL, LS and PS.
func lineBreak(data []byte) int {
	switch {
	case bytes.HasPrefix(data, []byte("\r\n")):
		return 2
	case data[0] == '\r' || data[0] == '\n':
		return 1
	}
	switch r, size := utf8.DecodeRune(data); r {
	case 0x85, 0x2028, 0x2029:
		return size
	}
	return 0
}
