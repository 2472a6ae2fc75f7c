package image

import (
	"encoding/json"
	"strings"
	"testing"
)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParse(t *testing.T) {
	tests := []struct {
		in                                string
		repo, registry, path, tag, digest string
	}{
		{"zbackend", "zbackend", "", "zbackend", "", ""},
		{"zbackend:v1", "zbackend", "", "zbackend", "v1", ""},
		{"team/zbackend:v1", "team/zbackend", "", "team/zbackend", "v1", ""},
		{"localhost:5000/x", "localhost:5000/x", "localhost:5000", "x", "", ""},
		{"localhost:5000/x:feature-y", "localhost:5000/x", "localhost:5000", "x", "feature-y", ""},
		{"localhost/team/x:1", "localhost/team/x", "localhost", "team/x", "1", ""},
		{"127.0.0.1:5000/a/b@" + testDigest, "127.0.0.1:5000/a/b", "127.0.0.1:5000", "a/b", "", testDigest},
		{"registry.example:5000/a/b:tag@" + testDigest, "registry.example:5000/a/b", "registry.example:5000", "a/b", "tag", testDigest},
	}
	for _, tt := range tests {
		r, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		got := []string{r.Repository(), r.Registry(), r.Path(), r.Tag(), r.Digest()}
		want := []string{tt.repo, tt.registry, tt.path, tt.tag, tt.digest}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("Parse(%q) = %q, want %q", tt.in, got, want)
		}
		if r.String() != tt.in {
			t.Errorf("Parse(%q).String() = %q", tt.in, r.String())
		}
	}
}

func TestParseRefusesBadReferences(t *testing.T) {
	for _, in := range []string{
		"", "zbackend:", "zbackend@", "ZBackend:v1", "zbackend:bad/tag",
		"zbackend@sha256:short", "zbackend@md5:" + testDigest[7:], "localhost:5000/", "a b:v1",
	} {
		if r, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %q, want an error", in, r)
		} else if !strings.Contains(err.Error(), "parsing image reference") {
			t.Errorf("Parse(%q) error %q does not say what it was parsing", in, err)
		}
	}
}

func TestRefWith(t *testing.T) {
	r, err := Parse("localhost:5000/team/x:feature-y@" + testDigest)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.WithTag("v2").String(), "localhost:5000/team/x:v2"; got != want {
		t.Errorf("WithTag = %q, want %q", got, want)
	}
	other := "sha256:" + strings.Repeat("f", 64)
	if got, want := r.WithDigest(other).String(), "localhost:5000/team/x@"+other; got != want {
		t.Errorf("WithDigest = %q, want %q", got, want)
	}
	if got, want := NewRef("localhost:5000", "team/x", "v1"), r.WithTag("v1"); got != want {
		t.Errorf("NewRef = %q, want %q", got, want)
	}
	if got, want := NewRef("", "x", "v1").String(), "x:v1"; got != want {
		t.Errorf("NewRef without registry = %q, want %q", got, want)
	}
	if !(Ref{}).IsZero() || r.IsZero() {
		t.Error("IsZero is wrong")
	}
}

func TestCut(t *testing.T) {
	tests := []struct{ in, repo, tag, digest string }{
		{"zbackend:release-*", "zbackend", "release-*", ""},
		{"release-*", "release-*", "", ""},
		{"localhost:5000/x", "localhost:5000/x", "", ""},
		{"localhost:5000/x:v[12]", "localhost:5000/x", "v[12]", ""},
		{"r:1/a:t@" + testDigest, "r:1/a", "t", testDigest},
		{":v1", "", "v1", ""},
		// What clusters run, as deploy reads it.
		{"nginx", "nginx", "", ""},
		{"nginx:1.27", "nginx", "1.27", ""},
		{"reg.example:5000/a/b", "reg.example:5000/a/b", "", ""},
		{"reg.example:5000/a/b:abc@sha256:00ff", "reg.example:5000/a/b", "abc", "sha256:00ff"},
		{"reg.example/a@sha256:00ff", "reg.example/a", "", "sha256:00ff"},
		{"reg:5000/x/a:v1@sha256:abc", "reg:5000/x/a", "v1", "sha256:abc"},
	}
	for _, tt := range tests {
		r := Cut(tt.in)
		if r.Repository() != tt.repo || r.Tag() != tt.tag || r.Digest() != tt.digest {
			t.Errorf("Cut(%q) = %q, %q, %q, want %q, %q, %q", tt.in, r.Repository(), r.Tag(), r.Digest(), tt.repo, tt.tag, tt.digest)
		}
		if r.String() != tt.in {
			t.Errorf("Cut(%q).String() = %q", tt.in, r)
		}
	}
}

func TestRefName(t *testing.T) {
	r, err := Parse("localhost:5000/team/x:v1@" + testDigest)
	if err != nil {
		t.Fatal(err)
	}
	n, err := r.Name()
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Context().RegistryStr() + "|" + n.Context().RepositoryStr() + "|" + n.Identifier(); got != "localhost:5000|team/x|"+testDigest {
		t.Errorf("Name() = %q", got)
	}
	n, err = Repo("localhost:5000/x").Name()
	if err != nil {
		t.Fatal(err)
	}
	if n.Identifier() != "latest" {
		t.Errorf("a bare repository names %q, want latest", n.Identifier())
	}
}

// TestRefAsText checks that a reference in a JSON record is the text it
// was, reads back equal, and that an empty one stays "".
func TestRefAsText(t *testing.T) {
	type record struct {
		Image Ref `json:"image"`
	}
	for _, s := range []string{
		"127.0.0.1:5000/x/zbackend:0123456789abcdef0123456789abcdef01234567",
		"localhost:5000/a@sha256:" + strings.Repeat("a", 64),
		"reg.example.com/team/web:key-abc@sha256:" + strings.Repeat("b", 64),
		"zbackend",
		"",
	} {
		b, err := json.Marshal(record{Cut(s)})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(struct {
			Image string `json:"image"`
		}{s})
		if string(b) != string(want) {
			t.Errorf("%q encodes as %s, want %s", s, b, want)
		}
		var back record
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.Image != Cut(s) {
			t.Errorf("%q reads back as %#v", s, back.Image)
		}
	}
}
