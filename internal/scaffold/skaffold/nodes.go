package skaffold

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// Item is one part of a Skaffold config, where it is and what became of it.
type Item struct {
	File string
	Line int
	What string
	Why  string
}

func (i Item) String() string { return fmt.Sprintf("%s:%d: %s — %s", i.File, i.Line, i.What, i.Why) }

// reporter collects what a file could not give, by line.
type reporter struct {
	file        string
	unconverted *[]Item
	notes       *[]Item
}

func (r reporter) skip(n *yaml.Node, what, why string) {
	*r.unconverted = append(*r.unconverted, Item{r.file, n.Line, what, why})
}

func (r reporter) note(n *yaml.Node, what, why string) {
	*r.notes = append(*r.notes, Item{r.file, n.Line, what, why})
}

// pair is one key of a mapping and its value.
type pair struct{ key, val *yaml.Node }

// pairs lists a mapping's keys in file order; nil for anything else.
func pairs(n *yaml.Node) []pair {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var out []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, pair{n.Content[i], n.Content[i+1]})
	}
	return out
}

// get is the value of key in mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	for _, p := range pairs(n) {
		if p.key.Value == key {
			return p.val
		}
	}
	return nil
}

// str is n's scalar value; "" when n is not a scalar.
func str(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// items lists a sequence's entries; nil for anything else.
func items(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// strs lists the scalars of a sequence, each with its line.
func strs(n *yaml.Node) []At {
	var out []At
	for _, it := range items(n) {
		if v := str(it); v != "" {
			out = append(out, At{v, it.Line})
		}
	}
	return out
}

// At is a value and the line it is written on.
type At struct {
	Value string
	Line  int
}
