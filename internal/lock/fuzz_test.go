package lock

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzDecode checks that no input makes Decode panic and that what it
// accepts comes back unchanged once encoded and decoded again, so that a
// lock rewritten by x-platform pins the same images.
func FuzzDecode(f *testing.F) {
	sha := strings.Repeat("a", 40)
	f.Add([]byte("registry: r.example.com/x\nservices:\n  zbackend:\n    reference: origin/master\n    commit: " + sha +
		"\n    key: k1\n    image: r.example.com/x/zbackend:" + sha + "\n    digest: sha256:" + strings.Repeat("1", 64) + "\n"))
	f.Add([]byte("registry: r\nservices: {}\n"))
	f.Add([]byte("registry: r\nservices:\n  a: {commit: abc, digest: sha256:1}\n"))
	f.Add([]byte("registry: r\nextra: 1\n"))
	f.Add([]byte("services: {a: &a {commit: \"" + sha + "\", digest: \"sha256:\\xff\"}, b: *a}\n---\nx: 1\n"))
	f.Add([]byte("registry: !!binary aGVsbG8=\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Decode(data)
		if err != nil {
			return
		}
		text, err := Encode(got)
		if err != nil {
			t.Fatalf("encoding an accepted lock: %v", err)
		}
		again, err := Decode(text)
		if err != nil {
			t.Fatalf("decoding what Encode wrote: %v\n%s", err, text)
		}
		if !reflect.DeepEqual(normal(got), normal(again)) {
			t.Fatalf("round trip changed the lock:\n got %#v\nthen %#v\n%s", got, again, text)
		}
	})
}

// normal treats a missing services mapping and an empty one alike: both
// lock nothing.
func normal(f *File) *File {
	if len(f.Services) == 0 {
		c := *f
		c.Services = nil
		return &c
	}
	return f
}
