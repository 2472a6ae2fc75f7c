package manifest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestServiceTimeout(t *testing.T) {
	const service = "services:\n  a:\n    dir: a\n    git: {remote: r, reference: main}\n" +
		"    dockerBuilder: {image: b, workdir: /src}\n    docker: {image: a}\n"
	tests := []struct {
		line    string
		want    time.Duration
		wantErr string
	}{
		{"", DefaultTimeout, ""},
		{"    timeout: 20m\n", 20 * time.Minute, ""},
		{"    timeout: 1h30m\n", 90 * time.Minute, ""},
		{"    timeout: 20\n", 0, `7:14: services.a.timeout: must be a positive duration such as 20m or 1h30m, got "20"`},
		{"    timeout: -5m\n", 0, `7:14: services.a.timeout: must be a positive duration`},
		{"    timeout: [20m]\n", 0, "7:14: services.a.timeout: must be a string, got a list"},
	}
	for _, tt := range tests {
		m, err := Parse("x.yml", []byte(service+tt.line))
		if tt.wantErr != "" {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) != 1 || !strings.HasPrefix(err.Error(), "x.yml:"+tt.wantErr) {
				t.Errorf("%q: got %v, want one problem starting x.yml:%s", tt.line, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tt.line, err)
		}
		if got := m.Services[0].BuildTimeout(); got != tt.want {
			t.Errorf("%q: BuildTimeout() = %s, want %s", tt.line, got, tt.want)
		}
	}
}
