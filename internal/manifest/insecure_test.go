package manifest

import (
	"strings"
	"testing"
)

func TestInsecureRegistryProblem(t *testing.T) {
	tests := map[string]string{
		"registry.internal":        "",
		"registry.internal:5000":   "",
		"10.0.0.7":                 "",
		"10.0.0.7:5000":            "",
		"[fd00::1]:5000":           "",
		"fd00::1":                  "",
		"http://registry.internal": "must not include a scheme",
		"registry.internal/team":   "without a path",
		"registry.internal:0":      "from 1 to 65535",
		"registry.internal:http":   "from 1 to 65535",
		"registry..internal":       "is not a host name",
		"-registry.internal":       "is not a host name",
		"a:b:c":                    "host or host:port",
	}
	for in, want := range tests {
		got := insecureRegistryProblem(in)
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("insecureRegistryProblem(%q) = %q, want %q", in, got, want)
		}
	}
}
