package plan

import (
	"errors"
	"reflect"
	"testing"

	"github.com/x-platform/x-platform/internal/manifest"
)

func TestSelect(t *testing.T) {
	m := &manifest.Manifest{Services: []*manifest.Service{{Name: "zfrontend"}, {Name: "zbackend"}, {Name: "zgateway"}}}
	tests := []struct {
		names   []string
		want    []string
		unknown []string
	}{
		{names: nil, want: []string{"zfrontend", "zbackend", "zgateway"}},
		{names: []string{"zgateway,zfrontend"}, want: []string{"zfrontend", "zgateway"}},
		{names: []string{"zbackend", " zbackend ", ""}, want: []string{"zbackend"}},
		{names: []string{"nope,zbackend,other"}, unknown: []string{"nope", "other"}},
	}
	for _, tt := range tests {
		got, err := Select(m, tt.names)
		if tt.unknown != nil {
			var ue *UnknownServiceError
			if !errors.As(err, &ue) {
				t.Fatalf("Select(%q) error = %v, want UnknownServiceError", tt.names, err)
			}
			if !reflect.DeepEqual(ue.Unknown, tt.unknown) || !reflect.DeepEqual(ue.Valid, m.Names()) {
				t.Errorf("Select(%q) = %+v", tt.names, ue)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Select(%q): %v", tt.names, err)
		}
		var names []string
		for _, s := range got {
			names = append(names, s.Name)
		}
		if !reflect.DeepEqual(names, tt.want) {
			t.Errorf("Select(%q) = %v, want %v", tt.names, names, tt.want)
		}
	}
}
