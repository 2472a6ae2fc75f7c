package manifest

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// UnknownServiceError is returned by Pin for a service the manifest does not
// have.
type UnknownServiceError struct {
	Name  string
	Valid []string
}

func (e *UnknownServiceError) Error() string {
	return fmt.Sprintf("unknown service %s (valid: %s)", e.Name, strings.Join(e.Valid, ", "))
}

// Pin returns data with services.<service>.git.reference set to reference.
// Only the bytes of the old value are replaced, so comments, blank lines,
// key order, quoting and line endings stay as they were. The old value's
// quotes are kept; a plain value is quoted only when YAML would read the new
// one as something else. The result is parsed again before it is returned.
func Pin(data []byte, service, reference string) ([]byte, error) {
	if p := gitReferenceProblem(reference); reference == "" || p != "" {
		return nil, fmt.Errorf("invalid reference %q: %s", reference, orElse(p, "must not be empty"))
	}
	// The manifest's folder is not known here, so links are for Load.
	before, err := parseText(FileName, data)
	if err != nil {
		return nil, err
	}
	if before.Service(service) == nil {
		return nil, &UnknownServiceError{Name: service, Valid: before.Names()}
	}
	at, err := locateReference(data, service)
	if err != nil {
		return nil, fmt.Errorf("locating the reference of %s: %w", service, err)
	}
	start, end, err := valueSpan(data, at.val)
	if err != nil {
		return nil, fmt.Errorf("locating the reference of %s: %w", service, err)
	}
	out := make([]byte, 0, len(data)+len(reference)+2)
	out = append(out, data[:start]...)
	out = append(out, render(reference, at.val, at.flow)...)
	out = append(out, data[end:]...)
	if err := checkPinned(before, out, service, reference); err != nil {
		return nil, fmt.Errorf("checking the edited manifest: %w", err)
	}
	return out, nil
}

func orElse(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// checkPinned parses the edited manifest and makes sure the service's
// reference is the only thing that changed. It is not when the value is
// shared with other services through an anchor or a merge key.
func checkPinned(before *Manifest, out []byte, service, reference string) error {
	after, err := parseText(FileName, out)
	if err != nil {
		return err
	}
	s := after.Service(service)
	if s == nil || s.Git.Reference != reference {
		return fmt.Errorf("the reference of %s does not read %q after the edit", service, reference)
	}
	s.Git.Reference = before.Service(service).Git.Reference
	if reflect.DeepEqual(before, after) {
		return nil
	}
	var shared []string
	for _, o := range after.Services {
		if b := before.Service(o.Name); o.Name != service && b != nil && b.Git.Reference != o.Git.Reference {
			shared = append(shared, o.Name)
		}
	}
	msg := fmt.Sprintf("the value changes more than the reference of %s", service)
	if len(shared) > 0 {
		msg = fmt.Sprintf("the reference of %s is shared with %s through an anchor or merge key", service, strings.Join(shared, ", "))
	}
	return fmt.Errorf("%s; give services.%s.git a reference: of its own", msg, service)
}

// located is the node holding a key's value and whether it sits in a flow
// collection, where , [ ] { } end a plain value.
type located struct {
	val  *yaml.Node
	flow bool
}

func locateReference(data []byte, service string) (located, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return located{}, err
	}
	n := resolve(doc.Content[0])
	var at located
	for _, key := range []string{"services", service, "git", "reference"} {
		var ok bool
		if at, ok = lookupKey(n, key); !ok {
			return located{}, fmt.Errorf("no key %s", key)
		}
		n = resolve(at.val)
	}
	return at, nil
}

// lookupKey finds name in mapping m as the decoder does: the mapping's own
// keys first, then those of mappings merged with <<, earlier ones first. The
// value node is returned unresolved, so an alias can be replaced itself.
func lookupKey(m *yaml.Node, name string) (located, bool) {
	if m.Kind != yaml.MappingNode {
		return located{}, false
	}
	var merged []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolve(m.Content[i]), m.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode:
		case k.Tag == "!!merge":
			if v = resolve(v); v.Kind == yaml.SequenceNode {
				for _, item := range v.Content {
					merged = append(merged, resolve(item))
				}
			} else {
				merged = append(merged, v)
			}
		case k.Value == name:
			return located{val: v, flow: m.Style&yaml.FlowStyle != 0}, true
		}
	}
	for _, mm := range merged {
		if at, ok := lookupKey(mm, name); ok {
			return at, true
		}
	}
	return located{}, false
}

// valueSpan returns the byte range of n's text in data, after any anchor
// or tag written before it.
func valueSpan(data []byte, n *yaml.Node) (start, end int, err error) {
	start, ok := offset(data, n.Line, n.Column)
	if !ok {
		return 0, 0, fmt.Errorf("line %d column %d is outside the file", n.Line, n.Column)
	}
	if n.Kind == yaml.AliasNode {
		end = start + 1 + len(n.Value)
		if end > len(data) || string(data[start:end]) != "*"+n.Value {
			return 0, 0, fmt.Errorf("alias *%s not found at line %d column %d", n.Value, n.Line, n.Column)
		}
		return start, end, nil
	}
	start = skipProperties(data, start)
	switch {
	case n.Kind != yaml.ScalarNode:
		return 0, 0, fmt.Errorf("line %d: the value is not a string", n.Line)
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return 0, 0, fmt.Errorf("line %d: the value is a block scalar (| or >); write it as reference: <value> on one line", n.Line)
	case n.Style&yaml.SingleQuotedStyle != 0:
		end = quotedEnd(data, start, '\'')
	case n.Style&yaml.DoubleQuotedStyle != 0:
		end = quotedEnd(data, start, '"')
	default:
		end = start + len(n.Value)
		if end > len(data) || string(data[start:end]) != n.Value {
			end = -1
		}
	}
	if end < 0 {
		return 0, 0, fmt.Errorf("value %q not found at line %d column %d", n.Value, n.Line, n.Column)
	}
	return start, end, nil
}

// offset turns yaml.v3's 1-based line and column, counted in characters
// with the line breaks YAML knows, into a byte offset.
func offset(data []byte, line, col int) (int, bool) {
	i := 0
	if bytes.HasPrefix(data, []byte("\uFEFF")) {
		i = 3 // a leading byte order mark is not counted
	}
	for l := 1; l < line; {
		if i >= len(data) {
			return 0, false
		}
		if n := lineBreak(data[i:]); n > 0 {
			i, l = i+n, l+1
			continue
		}
		_, size := utf8.DecodeRune(data[i:])
		i += size
	}
	for c := 1; c < col; c++ {
		if i >= len(data) || lineBreak(data[i:]) > 0 {
			return 0, false
		}
		_, size := utf8.DecodeRune(data[i:])
		i += size
	}
	return i, true
}

// skipProperties steps over an anchor (&a) or tag (!!str) and the space or
// comments after them, which yaml.v3 includes in a node's position.
func skipProperties(data []byte, i int) int {
	for i < len(data) && (data[i] == '&' || data[i] == '!') {
		for i < len(data) && !isSpaceOrBreak(data[i]) {
			i++
		}
		for i < len(data) && (isSpaceOrBreak(data[i]) || data[i] == '#') {
			if data[i] == '#' {
				for i < len(data) && data[i] != '\n' && data[i] != '\r' {
					i++
				}
				continue
			}
			i++
		}
	}
	return i
}

func isSpaceOrBreak(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r'
}

// quotedEnd returns the offset just after the quoted scalar opening at
// start, or -1.
func quotedEnd(data []byte, start int, quote byte) int {
	if start >= len(data) || data[start] != quote {
		return -1
	}
	for i := start + 1; i < len(data); i++ {
		switch {
		case quote == '"' && data[i] == '\\':
			i++ // the escaped character cannot close the string
		case data[i] == quote && quote == '\'' && i+1 < len(data) && data[i+1] == '\'':
			i++ // '' is a quote inside the string
		case data[i] == quote:
			return i + 1
		}
	}
	return -1
}

// render writes value as the YAML text replacing old: in old's quotes when it
// had some, else plain unless YAML would read plain text as something else.
func render(value string, old *yaml.Node, flow bool) string {
	switch {
	case old.Kind == yaml.ScalarNode && old.Style&yaml.SingleQuotedStyle != 0:
		return "'" + strings.ReplaceAll(value, "'", "''") + "'"
	case old.Kind == yaml.ScalarNode && old.Style&yaml.DoubleQuotedStyle != 0, !plainSafe(value, flow):
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(value) + `"`
	}
	return value
}

// yaml11Words are read as booleans or null by YAML 1.1 parsers, which
// many tools still are, though yaml.v3 reads most of them as strings.
var yaml11Words = []string{"y", "yes", "n", "no", "on", "off", "true", "false", "null", "~"}

// plainSafe says whether value can be written unquoted: it must not start
// with an indicator, hold a comment or key marker, or read as a number,
// boolean or null. yaml.v3 itself has the last word.
func plainSafe(value string, flow bool) bool {
	switch {
	case value == "" || strings.ContainsAny(value[:1], "-?:,[]{}#&*!|>'\"%@` \t"),
		strings.Contains(value, ": "), strings.Contains(value, " #"), strings.HasSuffix(value, ":"),
		strings.ContainsAny(value, "\t\r\n") || strings.TrimSpace(value) != value,
		flow && strings.ContainsAny(value, ",[]{}"),
		slices.Contains(yaml11Words, strings.ToLower(value)):
		return false
	}
	probe := "k: " + value
	if flow {
		probe = "{k: " + value + "}"
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(probe), &doc); err != nil || len(doc.Content) != 1 {
		return false
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode || len(m.Content) != 2 {
		return false
	}
	v := m.Content[1]
	return v.Kind == yaml.ScalarNode && v.Style == 0 && v.Tag == "!!str" && v.Value == value
}
