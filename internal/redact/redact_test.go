package redact

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://bob:hunter2@git.example.com/x.git", "https://REDACTED@git.example.com/x.git"},
		{"https://ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/o/r", "https://REDACTED@github.com/o/r"},
		{"https://oauth2:glpat-aaaaaaaaaaaaaaaaaaaa@gitlab.example.com/g/p.git", "https://REDACTED@gitlab.example.com/g/p.git"},
		{"https://git.example.com/x.git?private_token=s3cr3t&ref=main", "https://git.example.com/x.git?private_token=REDACTED&ref=main"},
		{"https://blobs.example.com/x?X-Amz-Signature=deadbeef", "https://blobs.example.com/x?X-Amz-Signature=REDACTED"},
		{"ssh://git@git.example.com:2222/x.git", "ssh://git@git.example.com:2222/x.git"},
		{"ssh://git:pw@git.example.com/x.git", "ssh://git:REDACTED@git.example.com/x.git"},
		{"git@github.com:o/r.git", "git@github.com:o/r.git"},
		{"https://git.example.com/x.git", "https://git.example.com/x.git"},
		{"/srv/git/x.git", "/srv/git/x.git"},
		{"https://u:100%@h/x", "https://REDACTED@h/x"},
	}
	for _, tt := range tests {
		if got := URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSource(t *testing.T) {
	tests := map[string]string{
		"https://bob:hunter2@git.example.com/x.git": "https://git.example.com/x.git",
		"ssh://git@git.example.com/x.git":           "ssh://git.example.com/x.git",
		"https://git.example.com/x.git?token=t0k":   "https://git.example.com/x.git?token=REDACTED",
		"git@github.com:o/r.git":                    "git@github.com:o/r.git",
		"https://u:100%@h/x":                        "https://REDACTED@h/x",
	}
	for in, want := range tests {
		if got := Source(in); got != want {
			t.Errorf("Source(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		msg     string
		secrets []string
		hidden  []string
		kept    []string
	}{
		{
			msg:    `fetching "https://x-access-token:ghs_0123456789abcdefghijABCD@github.com/o/r": 401`,
			hidden: []string{"ghs_0123456789abcdefghijABCD"},
			kept:   []string{"github.com/o/r", "401"},
		},
		{
			msg:    "remote said: token ghp_0123456789abcdefghijABCDEF is expired",
			hidden: []string{"ghp_0123456789abcdefghijABCDEF"},
			kept:   []string{"is expired"},
		},
		{
			msg:    "header Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc refused",
			hidden: []string{"eyJhbGciOiJIUzI1NiJ9"},
			kept:   []string{"Bearer REDACTED refused"},
		},
		{
			msg:     "helper printed p@ss/word and p%40ss%2Fword",
			secrets: []string{"p@ss/word"},
			hidden:  []string{"p@ss/word", "p%40ss%2Fword"},
			kept:    []string{"helper printed"},
		},
		{
			msg:     "short secrets are not searched: ab",
			secrets: []string{"ab"},
			kept:    []string{"ab"},
		},
	}
	for _, tt := range tests {
		got := String(tt.msg, tt.secrets...)
		for _, h := range tt.hidden {
			if strings.Contains(got, h) {
				t.Errorf("String(%q) = %q, still shows %q", tt.msg, got, h)
			}
		}
		for _, k := range tt.kept {
			if !strings.Contains(got, k) {
				t.Errorf("String(%q) = %q, lost %q", tt.msg, got, k)
			}
		}
	}
}

func TestErrorKeepsCause(t *testing.T) {
	cause := fmt.Errorf("GET https://u:hunter2@h/x: %w", context.DeadlineExceeded)
	err := Error(fmt.Errorf("listing: %w", cause))
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Error() = %q, shows the password", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Error() lost its cause: %v", err)
	}
	plain := errors.New("nothing secret")
	if Error(plain) != plain {
		t.Error("an error without secrets should come back as it is")
	}
	if Error(nil) != nil {
		t.Error("Error(nil) != nil")
	}
}
