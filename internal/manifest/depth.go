package manifest

import "gopkg.in/yaml.v3"

// MaxDepth bounds git.depth: a deeper history is as well fetched whole.
const MaxDepth = 1 << 20

// depth reads an optional `depth:` of a git mapping: how many commits of
// history a checkout fetches, 0 for all of it. It says whether the key was
// written, so a service's `depth: 0` overrides the manifest's default.
func (d *decoder) depth(o *object) (int, bool) {
	f, ok := o.fields["depth"]
	if !ok || isNull(f.val) {
		return 0, false
	}
	var n int
	if f.val.Kind != yaml.ScalarNode || f.val.Tag != "!!int" || f.val.Decode(&n) != nil || n < 0 || n > MaxDepth {
		got := describe(f.val)
		if f.val.Kind == yaml.ScalarNode {
			got = f.val.Value
		}
		d.report(f.val, join(o.path, "depth"), "must be a whole number of commits from 1 to %d, or 0 for the whole history, got %s", MaxDepth, got)
		return 0, false
	}
	return n, true
}

// gitDefaults reads the manifest's top-level `git: {depth: N}`, the depth
// of every service that sets none.
func (d *decoder) gitDefaults(top *object) int {
	g := d.child(top, "git", false, gitDefaultKeys.names()...)
	if g == nil {
		return 0
	}
	n, _ := d.depth(g)
	return n
}
