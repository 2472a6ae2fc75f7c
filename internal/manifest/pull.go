package manifest

import "gopkg.in/yaml.v3"

// boolean reads an optional true-or-false setting of o; a missing or null
// one is false.
func (d *decoder) boolean(o *object, name string) bool {
	f, ok := o.fields[name]
	if !ok || isNull(f.val) {
		return false
	}
	var b bool
	if f.val.Kind != yaml.ScalarNode || f.val.Tag != "!!bool" || f.val.Decode(&b) != nil {
		d.report(f.val, join(o.path, name), "must be true or false, got %s", describe(f.val))
		return false
	}
	return b
}
