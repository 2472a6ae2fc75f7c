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

// checkout reads an optional `checkout:` of a git mapping: false keeps
// the tree's files out of the checkout folder. It says whether the key
// was written, so a service's `checkout: true` overrides the manifest's
// default.
func (d *decoder) checkout(o *object) (bool, bool) {
	f, ok := o.fields["checkout"]
	if !ok || isNull(f.val) {
		return false, false
	}
	var b bool
	if f.val.Kind != yaml.ScalarNode || f.val.Tag != "!!bool" || f.val.Decode(&b) != nil {
		d.report(f.val, join(o.path, "checkout"), "must be true (write the files of the tree) or false (only the .git folder), got %s", describe(f.val))
		return false, false
	}
	return b, true
}

// gitDefaults reads the manifest's top-level `git: {depth: N, checkout:
// B}`, the depth and checkout of every service that sets none.
func (d *decoder) gitDefaults(top *object) (depth int, noCheckout bool) {
	g := d.child(top, "git", false, gitDefaultKeys.names()...)
	if g == nil {
		return 0, false
	}
	depth, _ = d.depth(g)
	if b, ok := d.checkout(g); ok {
		noCheckout = !b
	}
	return depth, noCheckout
}

// serviceGit applies the keys of a service's git mapping that default to
// the manifest's.
func (d *decoder) serviceGit(g *object, s *Git) {
	if n, ok := d.depth(g); ok {
		s.Depth = n
	}
	if b, ok := d.checkout(g); ok {
		s.NoCheckout = !b
	}
}
