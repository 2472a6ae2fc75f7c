package app

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestInitUsageErrors checks what init refuses before it asks any remote.
func TestInitUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"init", "/nowhere"}, "init needs --registry"},
		{[]string{"init", "--registry", "https://r.example.com", "/nowhere"}, "must not include a scheme"},
		{[]string{"init", "--registry", "r.example.com", "--env", "Prod", "/nowhere"}, `--env "Prod"`},
		{[]string{"--file", filepath.Join(dir, "platform.yml"), "init", "--registry", "r.example.com", "/nowhere"}, "init writes x-platform.yml"},
		{[]string{"--file", filepath.Join(dir, "x-platform.yml"), "init", "--registry", "r.example.com"}, "init needs repositories"},
	} {
		var out, errOut bytes.Buffer
		code := Run(context.Background(), append([]string{"x-platform"}, tt.args...), Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
		if code != ExitUsage || !strings.Contains(errOut.String(), tt.want) || out.Len() != 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d and %q", tt.args, code, out.String(), errOut.String(), ExitUsage, tt.want)
		}
	}
}
