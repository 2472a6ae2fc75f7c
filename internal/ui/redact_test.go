package ui

import (
	"bytes"
	"strings"
	"testing"
)

// secretURL carries a token as its user, in no format redact knows by
// sight: only the URL's shape tells it is a secret.
const (
	secret    = "s3cr3t-t0ken-value"
	secretURL = "https://" + secret + "@git.example.com/x.git"
)

// TestProgressHidesURLSecrets checks every kind of status line, -v
// included.
func TestProgressHidesURLSecrets(t *testing.T) {
	var b bytes.Buffer
	p := NewProgress(&b, Verbose)
	p.Debugf("a", "syncing %s at main", secretURL)
	p.Stepf("a", "fetching %s", secretURL)
	p.Donef("a", false, "cloning %s: refused", secretURL)
	if strings.Contains(b.String(), secret) || strings.Count(b.String(), "https://REDACTED@git.example.com/x.git") != 3 {
		t.Errorf("progress:\n%s", b.String())
	}
}
