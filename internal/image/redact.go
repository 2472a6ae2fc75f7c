package image

import (
	"errors"
	"net/url"
	"strings"
)

// secretParams are query parameters that carry bearer tokens or signed
// credentials in registry and blob-storage redirect URLs.
var secretParams = map[string]bool{
	"access_token":         true,
	"token":                true,
	"X-Amz-Credential":     true,
	"X-Amz-Signature":      true,
	"X-Amz-Security-Token": true,
	"Signature":            true,
	"sig":                  true,
}

// redact replaces passwords and token parameters in the URL of a
// transport-level error so that printing the error reveals no secret.
// ggcr's own *transport.Error already redacts its request URL.
func redact(err error) error {
	var uerr *url.Error
	if !errors.As(err, &uerr) {
		return err
	}
	clean := redactURL(uerr.URL)
	if clean == uerr.URL {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), uerr.URL, clean), cause: err}
}

// redactedError prints a cleaned message but still unwraps to the original,
// so errors.Is keeps seeing context.DeadlineExceeded and the like.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparseable URL>"
	}
	changed := false
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
		changed = true
	}
	q := u.Query()
	for k := range q {
		if secretParams[k] {
			q.Set(k, "REDACTED")
			changed = true
		}
	}
	if !changed {
		return raw
	}
	u.RawQuery = q.Encode()
	return u.String()
}
