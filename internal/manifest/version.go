package manifest

import (
	"gopkg.in/yaml.v3"
)

// Version is the manifest format this binary reads. A manifest may say so
// with version: 1; without it, it is read as version 1 too. Later formats
// get a higher number, so that a binary never misreads a file it predates.
const Version = 1

// version reads the top-level version key: absent or 1.
func (d *decoder) version(top *object) int {
	f, ok := top.fields["version"]
	if !ok || isNull(f.val) {
		return Version
	}
	var n int
	if f.val.Kind != yaml.ScalarNode || f.val.Tag != "!!int" || f.val.Decode(&n) != nil || n != Version {
		got := describe(f.val)
		if f.val.Kind == yaml.ScalarNode {
			got = f.val.Value
		}
		d.report(f.val, "version", "this x-platform reads manifest version %d only, not %s: write version: %d (or leave the key out), or use an x-platform that reads this version", Version, got, Version)
		return 0
	}
	return n
}
