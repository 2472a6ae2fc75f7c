package manifest

import (
	"reflect"
	"testing"
)

func TestImageTemplates(t *testing.T) {
	tests := []struct {
		value string
		refs  []string
		want  string
	}{
		{value: "plain", want: "plain"},
		{value: `{{ image "zfrontend" }}`, refs: []string{"zfrontend"}, want: "r/zfrontend@sha256:1"},
		{value: `{{image "a"}}:{{  image  "b"  }}`, refs: []string{"a", "b"}, want: "r/a@sha256:1:r/b@sha256:1"},
	}
	for _, tt := range tests {
		if got := ImageRefs(tt.value); !reflect.DeepEqual(got, tt.refs) {
			t.Errorf("ImageRefs(%q) = %q, want %q", tt.value, got, tt.refs)
		}
		got := ExpandImages(tt.value, func(name string) string { return "r/" + name + "@sha256:1" })
		if got != tt.want {
			t.Errorf("ExpandImages(%q) = %q, want %q", tt.value, got, tt.want)
		}
	}
}

func TestSourceDir(t *testing.T) {
	s := &Service{AbsDir: "/p/src/mono"}
	if got := s.SourceDir(); got != "/p/src/mono" {
		t.Errorf("SourceDir() = %q", got)
	}
	s.Git.Path = "services/api"
	if got := s.SourceDir(); got != "/p/src/mono/services/api" {
		t.Errorf("SourceDir() with path = %q", got)
	}
}
