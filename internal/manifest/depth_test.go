package manifest

import (
	"errors"
	"strings"
	"testing"
)

func TestGitDepth(t *testing.T) {
	service := twoServices
	tests := []struct {
		name    string
		doc     string
		wantA   int
		wantB   int
		wantErr string
	}{
		{"unset is the whole history", service(""), 0, 0, ""},
		{"service depth", service(", depth: 1"), 1, 0, ""},
		{"manifest default", "git: {depth: 3}\n" + service(""), 3, 3, ""},
		{"service overrides default", "git: {depth: 3}\n" + service(", depth: 5"), 5, 3, ""},
		{"service zero overrides default", "git: {depth: 3}\n" + service(", depth: 0"), 0, 3, ""},
		{"negative", service(", depth: -1"), 0, 0, "services.a.git.depth: must be a whole number of commits from 1 to"},
		{"not a number", service(", depth: one"), 0, 0, `services.a.git.depth: must be a whole number of commits from 1 to 1048576, or 0 for the whole history, got one`},
		{"default not a number", "git: {depth: 1.5}\n" + service(""), 0, 0, "git.depth: must be a whole number"},
		{"unknown key", "git: {deep: 1}\n" + service(""), 0, 0, "git.deep: unknown key"},
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
			if a, b := m.Services[0].Git.Depth, m.Services[1].Git.Depth; a != tt.wantA || b != tt.wantB {
				t.Errorf("depths = %d, %d; want %d, %d", a, b, tt.wantA, tt.wantB)
			}
		})
	}
}

// twoServices is a manifest of two services, a with git written into its
// git mapping (", depth: 1"), b with none.
func twoServices(git string) string {
	return "services:\n  a:\n    dir: a\n    git: {remote: r, reference: main" + git + "}\n" +
		"    dockerBuilder: {image: b, workdir: /src}\n    docker: {image: a}\n" +
		"  b:\n    dir: b\n    git: {remote: r2, reference: main}\n" +
		"    dockerBuilder: {image: b, workdir: /src}\n    docker: {image: b}\n"
}
