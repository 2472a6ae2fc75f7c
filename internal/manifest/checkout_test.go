package manifest

import (
	"errors"
	"strings"
	"testing"
)

// TestGitCheckout: git.checkout: false keeps files out of a checkout; a
// service's own key wins over the top-level default, either way round.
func TestGitCheckout(t *testing.T) {
	service := twoServices
	tests := []struct {
		name         string
		doc          string
		noA, noB     bool
		wantTopLevel bool
		wantErr      string
	}{
		{name: "unset writes the files", doc: service("")},
		{name: "service", doc: service(", checkout: false"), noA: true},
		{name: "manifest default", doc: "git: {checkout: false}\n" + service(""), noA: true, noB: true, wantTopLevel: true},
		{name: "service true overrides default", doc: "git: {checkout: false}\n" + service(", checkout: true"), noB: true, wantTopLevel: true},
		{name: "beside depth", doc: "git: {depth: 1, checkout: false}\n" + service(""), noA: true, noB: true, wantTopLevel: true},
		{name: "not a boolean", doc: service(", checkout: no-files"), wantErr: "services.a.git.checkout: must be true (write the files of the tree) or false (only the .git folder), got a string"},
		{name: "default not a boolean", doc: "git: {checkout: [x]}\n" + service(""), wantErr: "git.checkout: must be true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("x.yml", []byte(tt.doc))
			if tt.wantErr != "" {
				var errs Errors
				if !errors.As(err, &errs) || len(errs) != 1 || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want one problem with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a, b := m.Services[0].Git.NoCheckout, m.Services[1].Git.NoCheckout; a != tt.noA || b != tt.noB {
				t.Errorf("NoCheckout = %v, %v; want %v, %v", a, b, tt.noA, tt.noB)
			}
			if m.NoCheckout != tt.wantTopLevel {
				t.Errorf("manifest NoCheckout = %v, want %v", m.NoCheckout, tt.wantTopLevel)
			}
		})
	}
}
