package plan

import (
	"reflect"
	"testing"

	"github.com/x-platform/x-platform/internal/manifest"
)

func TestWithDeps(t *testing.T) {
	// zgateway → zbackend → zfrontend, listed users first; other is alone.
	m := &manifest.Manifest{Services: []*manifest.Service{
		{Name: "zgateway", Deps: []string{"zbackend"}},
		{Name: "other"},
		{Name: "zbackend", Deps: []string{"zfrontend"}},
		{Name: "zfrontend"},
	}}
	tests := []struct {
		selected []string
		want     []string
	}{
		{selected: []string{"zbackend"}, want: []string{"zfrontend", "zbackend"}},
		{selected: []string{"zgateway"}, want: []string{"zfrontend", "zbackend", "zgateway"}},
		{selected: []string{"other", "zfrontend"}, want: []string{"other", "zfrontend"}},
		{selected: nil, want: []string{"zfrontend", "zbackend", "zgateway", "other"}},
	}
	for _, tt := range tests {
		sel, err := Select(m, tt.selected)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range WithDeps(m, sel) {
			got = append(got, s.Name)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("WithDeps(%v) = %v, want %v", tt.selected, got, tt.want)
		}
	}
}
