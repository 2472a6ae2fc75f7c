package deploy

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
)

// drifted compares the objects of rec's manifest with the live ones: an
// object drifts when it is gone, or when a field the manifest sets has
// another value live (a replica count or an image changed by hand).
// Fields the manifest leaves out, which the server and controllers own,
// are not compared.
func drifted(rec *release.Record, live liveSet, namespace string) ([]ObjectDrift, error) {
	applied, err := appliedObjects(rec.Manifest)
	if err != nil {
		return nil, fmt.Errorf("reading the manifest of revision %d: %w", rec.Revision, err)
	}
	var out []ObjectDrift
	for _, want := range applied {
		ref := object.RefOf(want)
		d := ObjectDrift{Ref: ref, repos: map[string]bool{}}
		for _, img := range images(want) {
			d.repos[image.Cut(img).Repository()] = true
		}
		got := lookupLive(live, ref, namespace)
		if got == nil {
			d.Gone = true
			out = append(out, d)
			continue
		}
		if d.Fields = differences(want.Object, got.Object, ""); len(d.Fields) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// lookupLive finds ref's live object; objects that name no namespace went
// to the records' one, unless they are cluster-scoped.
func lookupLive(live liveSet, ref object.Ref, namespace string) *unstructured.Unstructured {
	if ref.Namespace != "" {
		return live[keyIn(ref, ref.Namespace)]
	}
	if o := live[keyIn(ref, namespace)]; o != nil {
		return o
	}
	return live[keyIn(ref, "")]
}

// ignored are fields a manifest sets that never read back as written.
var ignored = []string{".stringData", ".status"}

// differences lists the paths below path where want sets a value that got
// does not have. Lists are compared item by item and must be as long.
func differences(want, got any, path string) []string {
	if slices.Contains(ignored, path) {
		return nil
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{path}
		}
		var out []string
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if w[k] == nil {
				continue // null in YAML: left to the server
			}
			out = append(out, differences(w[k], g[k], path+"."+k)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{path}
		}
		var out []string
		for i := range w {
			out = append(out, differences(w[i], g[i], path+"["+strconv.Itoa(i)+"]")...)
		}
		return out
	}
	if !sameScalar(want, got) {
		return []string{path}
	}
	return nil
}

// sameScalar compares numbers by value, as JSON and YAML may type them
// differently.
func sameScalar(a, b any) bool {
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return ok && fa == fb
	}
	return reflect.DeepEqual(a, b)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
