package release

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/image"
)

// FuzzDecode feeds the record decoder arbitrary Secret data: it must never
// panic, and a record it accepts must encode and decode to itself, so that
// marking it superseded never changes what it says.
func FuzzDecode(f *testing.F) {
	good := &Record{
		Env: "staging", Revision: 3, Status: Deployed, Description: "deploy",
		Services: []Service{{Name: "zbackend", Commit: "c1", Image: image.Cut("r/zbackend:c1"), Digest: "sha256:1"}},
		Objects:  []object.Ref{{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "ns", Name: "zbackend"}},
		Manifest: []byte("kind: Deployment\n"),
	}
	sec, err := encode(good)
	if err != nil {
		f.Fatal(err)
	}
	meta, _ := gunzip(sec.Data["release"])
	f.Add(meta, good.Manifest, false)
	f.Add(sec.Data["release"], sec.Data["manifest"], true)
	f.Add([]byte(`{"revision":-1,"status":"x","services":null,"time":"2026-01-01T00:00:00+05:30"}`), []byte(nil), false)
	f.Add([]byte(`{"objects":[{}],"services":[]}`), []byte{}, false)
	f.Add([]byte("not gzip"), []byte{0x1f, 0x8b}, true)
	// Most inputs are gzipped here, so that mutations reach the JSON; raw
	// ones test the gzip layer.
	f.Fuzz(func(t *testing.T, meta, manifest []byte, raw bool) {
		if !raw {
			meta, manifest = gzipped(meta), gzipped(manifest)
		}
		in := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "x-platform.release.staging.v1"}, Type: SecretType,
			Data: map[string][]byte{"release": meta, "manifest": manifest}}
		r, err := decode(in)
		if err != nil {
			return
		}
		sec, err := encode(r)
		if err != nil {
			t.Fatalf("a decoded record does not encode: %v", err)
		}
		again, err := decode(sec)
		if err != nil {
			t.Fatalf("a record decoded, encoded, does not decode: %v", err)
		}
		if !sameRecord(r, again) {
			t.Fatalf("round trip changed the record:\n%+v\n%+v", r, again)
		}
	})
}

// sameRecord compares records as their JSON says them: times by instant
// (the monotonic clock and location do not travel), empty and nil alike.
func sameRecord(a, b *Record) bool {
	if !a.Time.Equal(b.Time) || len(a.Manifest) != len(b.Manifest) || string(a.Manifest) != string(b.Manifest) {
		return false
	}
	x, y := *a, *b
	x.Time, x.Manifest, y.Manifest = y.Time, nil, nil
	return reflect.DeepEqual(x, y)
}
