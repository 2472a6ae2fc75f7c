package manifest

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// item is one string of a list, kept with where it was written so that
// checks across items (duplicates) can point at it.
type item struct {
	value string
	// key is the dotted key path with the item's index, e.g. docker.platforms[1].
	key string
	at  *yaml.Node
}

// sequence returns the list under name, aliases resolved; absent and null
// are an empty list. what names the items in errors ("strings").
func (d *decoder) sequence(o *object, name, what string) []*yaml.Node {
	f, ok := o.fields[name]
	if !ok || isNull(f.val) {
		return nil
	}
	if f.val.Kind != yaml.SequenceNode {
		d.report(f.val, join(o.path, name), "must be a list of %s, got %s", what, describe(f.val))
		return nil
	}
	out := make([]*yaml.Node, len(f.val.Content))
	for i, n := range f.val.Content {
		out[i] = resolve(n)
	}
	return out
}

// items returns the strings of the list under name that pass check; check,
// when not nil, returns a problem with an item, or "".
func (d *decoder) items(o *object, name, what string, check func(string) string) []item {
	var out []item
	for i, n := range d.sequence(o, name, what) {
		at := fmt.Sprintf("%s[%d]", join(o.path, name), i)
		switch {
		case n.Kind != yaml.ScalarNode:
			d.report(n, at, "must be a string, got %s", describe(n))
		case isNull(n) || strings.TrimSpace(n.Value) == "":
			d.report(n, at, "must not be empty")
		case check == nil || d.check(n, at, check(n.Value)):
			out = append(out, item{n.Value, at, n})
		}
	}
	return out
}

// list returns the strings of the list under name, as items does.
func (d *decoder) list(o *object, name, what string, check func(string) string) []string {
	return values(d.items(o, name, what, check))
}

// unique reports every item equal to an earlier one and returns the values
// without them, in file order.
func (d *decoder) unique(items []item) []string {
	first := map[string]*yaml.Node{}
	var out []string
	for _, it := range items {
		if at, ok := first[it.value]; ok {
			d.report(it.at, it.key, "already listed at line %d", at.Line)
			continue
		}
		first[it.value] = it.at
		out = append(out, it.value)
	}
	return out
}

func values(items []item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.value)
	}
	return out
}
