package manifest

import (
	"errors"
	"strings"
	"testing"
)

func TestPull(t *testing.T) {
	const services = "services:\n  a:\n    dir: a\n    git: {remote: r, reference: main}\n" +
		"    dockerBuilder: {image: b, workdir: /src}\n    docker: {image: a}\n"
	tests := []struct {
		name, section string
		want          bool
		// err is the problem expected instead, from its line on.
		err string
	}{
		{name: "absent", want: false},
		{name: "null", section: "pull:\n", want: false},
		{name: "true", section: "pull: true\n", want: true},
		{name: "false", section: "pull: false\n", want: false},
		{name: "a string", section: "pull: \"yes\"\n", err: "1:7: pull: must be true or false, got a string"},
		{name: "a list", section: "pull: [true]\n", err: "1:7: pull: must be true or false, got a list"},
		{name: "misspelt", section: "pul: true\n", err: "1:1: pul: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("/m/x.yml", []byte(tt.section+services))
			if tt.err != "" {
				var errs Errors
				if !errors.As(err, &errs) || len(errs) != 1 || !strings.HasPrefix(err.Error(), "/m/x.yml:"+tt.err) {
					t.Fatalf("got %v, want one problem starting /m/x.yml:%s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Pull != tt.want {
				t.Fatalf("Pull = %v, want %v", m.Pull, tt.want)
			}
		})
	}
}
