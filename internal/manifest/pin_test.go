package manifest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestPin checks that only the old value's bytes change: the expected file
// is the fixture with one unique stretch of text replaced.
func TestPin(t *testing.T) {
	tests := []struct {
		file, service, reference string
		// before is unique in the file; after is what it becomes.
		before, after string
	}{
		{"pin-comments.yaml", "zbackend", "v1.4.2",
			"reference: origin/master  # pinned for release 12", "reference: v1.4.2  # pinned for release 12"},
		{"pin-comments.yaml", "zbackend", "origin/master",
			"reference: origin/master  #", "reference: origin/master  #"},
		{"pin-comments.yaml", "zfront", "1.10",
			"reference: origin/master\n        dockerBuilder:\n            image: builders/node",
			"reference: \"1.10\"\n        dockerBuilder:\n            image: builders/node"},
		{"pin-comments.yaml", "zfront", "release/12",
			"reference: origin/master\n        dockerBuilder:\n            image: builders/node",
			"reference: release/12\n        dockerBuilder:\n            image: builders/node"},
		{"pin-quoted.yaml", "single", "origin/release", "'origin/it''s-late'", "'origin/release'"},
		{"pin-quoted.yaml", "single", "it's", "'origin/it''s-late'", "'it''s'"},
		{"pin-quoted.yaml", "double", "v2", `"origin/mas\x74er"`, `"v2"`},
		{"pin-quoted.yaml", "double", `say"hi"`, `"origin/mas\x74er"`, `"say\"hi\""`},
		{"pin-quoted.yaml", "tagged", "1.20", "!!str 1.10", `!!str "1.20"`},
		{"pin-quoted.yaml", "tagged", "v3", "!!str 1.10", "!!str v3"},
		{"pin-quoted.yaml", "split", "v2.1.0", "        v2.0.0", "        v2.1.0"},
		{"pin-flow.yaml", "zbackend", "v1.4.2", "reference: origin/master}", "reference: v1.4.2}"},
		{"pin-flow.yaml", "zbackend", "a,b", "reference: origin/master}", `reference: "a,b"}`},
		{"pin-flow.yaml", "zfront", "v2", `reference: "v1"`, `reference: "v2"`},
		{"pin-flow.yaml", "zadmin", "1e3", "reference: main}", `reference: "1e3"}`},
		{"pin-anchors.yaml", "zworker", "v2.0.0", "reference: *release", "reference: v2.0.0"},
		{"pin-anchors.yaml", "zsolo", "v9", "reference: solo}", "reference: v9}"},
	}
	variants := []struct {
		name string
		conv func(string) string
	}{
		{"lf", func(s string) string { return s }},
		{"crlf", func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }},
		{"bom", func(s string) string { return "\uFEFF" + s }},
	}
	for _, tt := range tests {
		for _, v := range variants {
			t.Run(tt.file+"/"+tt.service+"="+tt.reference+"/"+v.name, func(t *testing.T) {
				data := v.conv(readFixture(t, tt.file))
				before, after := v.conv(tt.before), v.conv(tt.after)
				if v.name == "bom" {
					before, after = tt.before, tt.after
				}
				if n := strings.Count(data, before); n != 1 {
					t.Fatalf("%q occurs %d times in the fixture, want once", before, n)
				}
				want := strings.Replace(data, before, after, 1)
				got, err := Pin([]byte(data), tt.service, tt.reference)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != want {
					t.Fatalf("Pin output differs.\ngot:\n%s\nwant:\n%s", got, want)
				}
				m, err := Parse(FileName, got)
				if err != nil {
					t.Fatal(err)
				}
				if r := m.Service(tt.service).Git.Reference; r != tt.reference {
					t.Errorf("reference = %q, want %q", r, tt.reference)
				}
			})
		}
	}
}

func TestPinErrors(t *testing.T) {
	anchors := readFixture(t, "pin-anchors.yaml")
	tests := []struct {
		name, data, service, reference string
		want                           string // part of the error message
	}{
		{"unknown service", anchors, "zbackand", "v1", "unknown service zbackand (valid: zbackend, zworker, zfront, zfront2, zsolo)"},
		{"empty reference", anchors, "zbackend", "", `invalid reference "": must not be empty`},
		{"space", anchors, "zbackend", "v1 2", "must not contain whitespace"},
		{"dash", anchors, "zbackend", "-v1", "must not start with '-'"},
		{"colon", anchors, "zbackend", "v1:2", "must not contain any of"},
		{"newline", anchors, "zbackend", "v1\nx: y", "must not contain whitespace"},
		{"anchored value", anchors, "zbackend", "v2", "the reference of zbackend is shared with zworker"},
		{"shared mapping", anchors, "zfront", "v2", "the reference of zfront is shared with zfront2"},
		{"merged value", anchors, "zfront2", "v2", "the reference of zfront2 is shared with zfront"},
		{"invalid manifest", readFixture(t, "invalid-reference-missing.yaml"), "zbackend", "v1", "required key is missing"},
		{"block scalar", "services:\n  z:\n    dir: z\n    git:\n      remote: r\n      reference: |-\n        v1\n" +
			"    dockerBuilder: {image: b, workdir: /src}\n    docker: {image: z}\n", "z", "v2", "block scalar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Pin([]byte(tt.data), tt.service, tt.reference)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Pin error = %v, want one containing %q", err, tt.want)
			}
			if out != nil {
				t.Errorf("Pin returned output with an error")
			}
		})
	}
	var use *UnknownServiceError
	if _, err := Pin([]byte(anchors), "nope", "v1"); !errors.As(err, &use) || !slices.Equal(use.Valid, []string{"zbackend", "zworker", "zfront", "zfront2", "zsolo"}) {
		t.Errorf("unknown service error = %#v", err)
	}
	var me Errors
	if _, err := Pin([]byte("services: []\n"), "z", "v1"); !errors.As(err, &me) {
		t.Errorf("invalid manifest error = %v, want manifest Errors", err)
	}
}

func TestPlainSafe(t *testing.T) {
	tests := []struct {
		value       string
		block, flow bool
	}{
		{"v1.4.2", true, true},
		{"1.4.2", true, true},
		{"origin/feature/x", true, true},
		{"release-12", true, true},
		{"a,b", true, false},
		{"a}b", true, false},
		{"1.10", false, false},
		{"10", false, false},
		{"0x1F", false, false},
		{"0o17", false, false},
		{"1e3", false, false},
		{".inf", false, false},
		{"true", false, false},
		{"Yes", false, false},
		{"off", false, false},
		{"null", false, false},
		{"~", false, false},
		{"#x", false, false},
		{"@x", false, false},
		{"%x", false, false},
		{"`x", false, false},
		{"!x", false, false},
		{"&x", false, false},
		{"*x", false, false},
		{"'x", false, false},
		{"{x}", false, false},
		{"a #b", false, false},
		{"a: b", false, false},
		{"a:", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		if got := plainSafe(tt.value, false); got != tt.block {
			t.Errorf("plainSafe(%q, block) = %v, want %v", tt.value, got, tt.block)
		}
		if got := plainSafe(tt.value, true); got != tt.flow {
			t.Errorf("plainSafe(%q, flow) = %v, want %v", tt.value, got, tt.flow)
		}
	}
}

// FuzzPin checks on any input that a successful Pin changes bytes on one
// line only and yields a manifest holding the new reference.
func FuzzPin(f *testing.F) {
	for _, name := range []string{"pin-comments.yaml", "pin-quoted.yaml", "pin-flow.yaml", "pin-anchors.yaml"} {
		data := readFixture(f, name)
		f.Add([]byte(data), "zbackend", "v1.4.2")
		f.Add([]byte(strings.ReplaceAll(data, "\n", "\r\n")), "zfront", "1.10")
		f.Add([]byte(data), "double", `a"b'c`)
	}
	f.Fuzz(func(t *testing.T, data []byte, service, reference string) {
		out, err := Pin(data, service, reference)
		if err != nil {
			return
		}
		m, err := Parse(FileName, out)
		if err != nil {
			t.Fatalf("Pin output does not parse: %v", err)
		}
		if s := m.Service(service); s == nil || s.Git.Reference != reference {
			t.Fatalf("Pin output does not hold reference %q", reference)
		}
		prefix := 0
		for prefix < len(out) && prefix < len(data) && out[prefix] == data[prefix] {
			prefix++
		}
		suffix := 0
		for suffix < len(out)-prefix && suffix < len(data)-prefix && out[len(out)-1-suffix] == data[len(data)-1-suffix] {
			suffix++
		}
		if oldMid, newMid := data[prefix:len(data)-suffix], out[prefix:len(out)-suffix]; bytes.ContainsAny(oldMid, "\r\n") || bytes.ContainsAny(newMid, "\r\n") {
			t.Fatalf("Pin changed more than one line: %q became %q", oldMid, newMid)
		}
	})
}
