package manifest

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder walks yaml.v3 nodes, keeping every problem it meets so that one
// run reports all of them.
type decoder struct {
	file string
	errs Errors
	// lexical skips reading links from the disk, for checking text that
	// is not (yet) the manifest of the folder its path names.
	lexical bool
	// gates are the canary.gate values read, by environment, checked once
	// the tests are read.
	gates map[string]*yaml.Node
}

func (d *decoder) report(n *yaml.Node, key, format string, args ...any) {
	d.errs = append(d.errs, &Error{
		File: d.file, Line: n.Line, Col: n.Column, Key: key,
		Msg: fmt.Sprintf(format, args...),
	})
}

// field is one key of a mapping and its value, aliases resolved.
type field struct {
	name     string
	key, val *yaml.Node
}

// object is a mapping whose keys have been checked against an allowed set.
type object struct {
	path string
	// at is where missing keys are reported: the key naming this mapping.
	at     *yaml.Node
	fields map[string]field
}

// resolve follows an alias to the node its anchor names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describe names a node's kind for messages about wrong types.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.Tag {
	case "!!null":
		return "nothing"
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	}
	return "a string"
}

// fields lists a mapping's keys in file order. Duplicate keys are
// reported at the second one. Merge keys (<<) are expanded as YAML 1.1
// does: explicit keys win over merged ones, earlier merged mappings over
// later ones. Merged mappings may not merge again, which keeps the work
// bounded by the file size.
func (d *decoder) fields(n *yaml.Node, path string, mergeAllowed bool) []field {
	var own, merged []field
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.report(k, path, "keys must be strings, got %s", describe(k))
			continue
		}
		if k.Tag == "!!merge" {
			if !mergeAllowed {
				d.report(k, path, "a merged mapping cannot merge (<<) again")
				continue
			}
			merged = append(merged, d.merge(k, v, path)...)
			continue
		}
		if first, ok := seen[k.Value]; ok {
			d.report(k, join(path, k.Value), "key already defined at line %d", first.Line)
			continue
		}
		seen[k.Value] = k
		own = append(own, field{k.Value, k, v})
	}
	for _, f := range merged {
		if _, ok := seen[f.name]; !ok {
			seen[f.name] = f.key
			own = append(own, f)
		}
	}
	return own
}

func (d *decoder) merge(k, v *yaml.Node, path string) []field {
	switch v.Kind {
	case yaml.MappingNode:
		return d.fields(v, path, false)
	case yaml.SequenceNode:
		var out []field
		for _, item := range v.Content {
			if item = resolve(item); item.Kind != yaml.MappingNode {
				d.report(item, path, "merge key (<<) takes mappings, got %s", describe(item))
				continue
			}
			out = append(out, d.fields(item, path, false)...)
		}
		return out
	}
	d.report(k, path, "merge key (<<) takes a mapping or a list of mappings, got %s", describe(v))
	return nil
}

// object checks that n is a mapping holding only allowed keys; at is the
// key naming it. It returns nil when n is not a mapping.
func (d *decoder) object(at, n *yaml.Node, path string, allowed ...string) *object {
	if n.Kind != yaml.MappingNode {
		d.report(n, path, "must be a mapping with keys %s, got %s", strings.Join(allowed, ", "), describe(n))
		return nil
	}
	o := &object{path: path, at: at, fields: map[string]field{}}
	for _, f := range d.fields(n, path, true) {
		if !slices.Contains(allowed, f.name) {
			d.report(f.key, join(path, f.name), "unknown key%s; allowed keys are %s",
				suggest(f.name, allowed), strings.Join(allowed, ", "))
			continue
		}
		o.fields[f.name] = f
	}
	return o
}

// child returns the mapping under name, or nil when it is absent, empty or
// not a mapping; the first and the last are reported.
func (d *decoder) child(o *object, name string, required bool, allowed ...string) *object {
	f, ok := o.fields[name]
	path := join(o.path, name)
	switch {
	case !ok:
		if required {
			d.report(o.at, path, "required key is missing")
		}
		return nil
	case isNull(f.val):
		if required {
			d.report(f.key, path, "must not be empty; it needs %s", strings.Join(allowed, ", "))
		}
		return nil
	}
	return d.object(f.key, f.val, path, allowed...)
}

// str returns the string under name and the node to point at when the
// value is later found invalid. The node is nil when there is nothing to
// check: the key is absent, empty or holds a mapping or a list. Any scalar
// is taken as written, so reference: 1.10 stays "1.10".
func (d *decoder) str(o *object, name string, required bool) (string, *yaml.Node) {
	f, ok := o.fields[name]
	path := join(o.path, name)
	switch {
	case !ok:
		if required {
			d.report(o.at, path, "required key is missing")
		}
		return "", nil
	case f.val.Kind != yaml.ScalarNode:
		d.report(f.val, path, "must be a string, got %s", describe(f.val))
		return "", nil
	case isNull(f.val) || f.val.Value == "":
		if required {
			at := f.val
			if isNull(f.val) {
				at = f.key
			}
			d.report(at, path, "must not be empty")
		}
		return "", nil
	}
	return f.val.Value, f.val
}

// stringMap returns the string-to-string mapping under name; check
// returns a problem with a key, or "".
func (d *decoder) stringMap(o *object, name string, check func(string) string) map[string]string {
	f, ok := o.fields[name]
	path := join(o.path, name)
	if !ok || isNull(f.val) {
		return nil
	}
	if f.val.Kind != yaml.MappingNode {
		d.report(f.val, path, "must be a mapping of strings, got %s", describe(f.val))
		return nil
	}
	out := map[string]string{}
	for _, kv := range d.fields(f.val, path, true) {
		at := join(path, kv.name)
		if p := check(kv.name); p != "" {
			d.report(kv.key, at, "%s", p)
			continue
		}
		switch {
		case kv.val.Kind != yaml.ScalarNode:
			d.report(kv.val, at, "must be a string, got %s", describe(kv.val))
		case isNull(kv.val):
			out[kv.name] = ""
		default:
			out[kv.name] = kv.val.Value
		}
	}
	return out
}
