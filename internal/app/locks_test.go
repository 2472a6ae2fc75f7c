package app

import (
	"strings"
	"testing"
	"time"
)

func TestWaitFlag(t *testing.T) {
	tests := []struct {
		in   string
		want waitValue
		bad  bool
	}{
		{in: "true", want: waitValue{on: true}},
		{in: "5m", want: waitValue{on: true, max: 5 * time.Minute}},
		{in: "false", want: waitValue{}},
		{in: "0s", bad: true},
		{in: "-1m", bad: true},
		{in: "soon", bad: true},
	}
	for _, tt := range tests {
		var w waitValue
		err := w.Set(tt.in)
		if tt.bad != (err != nil) || (!tt.bad && w != tt.want) {
			t.Errorf("Set(%q) = %+v, %v; want %+v (error: %v)", tt.in, w, err, tt.want, tt.bad)
		}
	}
	var out, errOut strings.Builder
	code := Run(t.Context(), []string{"x-platform", "--wait=soon", "sync"}, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	if code != ExitUsage || !strings.Contains(errOut.String(), "--wait takes a duration such as 5m") {
		t.Fatalf("--wait=soon: exit %d, %q", code, errOut.String())
	}
}

func TestCheckoutLockName(t *testing.T) {
	if a, b := checkoutLockName("src/a%2Fb"), checkoutLockName("src/a/b"); a == b {
		t.Fatalf("two folders share the lock file %s", a)
	}
}
