package app

import (
	"strings"
	"testing"
)

// TestCanaryUsage: the canary command needs a subcommand, and each
// subcommand an environment; both are usage errors (exit 2).
func TestCanaryUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"canary"}, "canary needs a command: promote or abort"},
		{[]string{"canary", "promote"}, "canary promote needs --env"},
		{[]string{"canary", "abort", "extra"}, "canary abort takes no arguments"},
	} {
		code, _, errOut := runApp(t, tt.args...)
		if code != ExitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tt.args, code, errOut, ExitUsage, tt.want)
		}
	}
}
