package yamldiff

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The masks a Secret's values are shown as, as kubectl diff writes them: a
// diff must say that a value changed without printing it, so that it can go
// into CI logs.
const (
	Masked       = "***"
	MaskedBefore = "*** (before)"
	MaskedAfter  = "*** (after)"
)

// lastApplied is where kubectl apply keeps a copy of the object, values
// included.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// MaskSecrets returns copies of live and want (either may be nil) in which
// the values of a Secret's data and stringData are masks: the same mask on
// both sides when the value is unchanged, a before and an after mask when
// it changed. Objects of other kinds are returned as they are.
func MaskSecrets(live, want *unstructured.Unstructured) (*unstructured.Unstructured, *unstructured.Unstructured) {
	if !isSecret(live) && !isSecret(want) {
		return live, want
	}
	live, want = deepCopy(live), deepCopy(want)
	for _, field := range []string{"data", "stringData"} {
		a, b := values(live, field), values(want, field)
		for k, v := range a {
			if w, ok := b[k]; ok && w == v {
				a[k], b[k] = Masked, Masked
				continue
			}
			a[k] = MaskedBefore
		}
		for k := range b {
			if b[k] != Masked {
				b[k] = MaskedAfter
			}
		}
	}
	for _, o := range []*unstructured.Unstructured{live, want} {
		if o == nil {
			continue
		}
		if ann := o.GetAnnotations(); ann[lastApplied] != "" {
			ann[lastApplied] = Masked
			o.SetAnnotations(ann)
		}
	}
	return live, want
}

func isSecret(o *unstructured.Unstructured) bool {
	return o != nil && o.GetKind() == "Secret" && o.GetAPIVersion() == "v1"
}

func deepCopy(o *unstructured.Unstructured) *unstructured.Unstructured {
	if o == nil {
		return nil
	}
	return o.DeepCopy()
}

// values is the map of obj's field, changed in place; nil when absent. A
// value that is not a string (a malformed object) is masked all the same.
func values(obj *unstructured.Unstructured, field string) map[string]any {
	if obj == nil {
		return nil
	}
	m, ok := obj.Object[field].(map[string]any)
	if !ok {
		return nil
	}
	return m
}

// MaskSecret returns a copy of o in which every value of a Secret's data
// and stringData is a mask, for printing an object alone (render). Objects
// of other kinds are returned as they are.
func MaskSecret(o *unstructured.Unstructured) *unstructured.Unstructured {
	if !isSecret(o) {
		return o
	}
	o = o.DeepCopy()
	for _, field := range []string{"data", "stringData"} {
		m := values(o, field)
		for k := range m {
			m[k] = Masked
		}
	}
	if ann := o.GetAnnotations(); ann[lastApplied] != "" {
		ann[lastApplied] = Masked
		o.SetAnnotations(ann)
	}
	return o
}
