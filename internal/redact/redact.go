package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Mask replaces every secret this package finds.
const Mask = "REDACTED"

// secretParams are query parameters that carry bearer tokens or signed
// credentials: registry token endpoints, blob-storage redirects, GitLab.
var secretParams = map[string]bool{
	"access_token":         true,
	"token":                true,
	"private_token":        true,
	"job_token":            true,
	"password":             true,
	"x-amz-credential":     true,
	"x-amz-signature":      true,
	"x-amz-security-token": true,
	"signature":            true,
	"sig":                  true,
}

// URL returns raw with its secrets masked. The user part of an http(s) URL
// is masked whole, whether or not a password follows it: hosts take a
// token as the user name (https://ghp_…@github.com/…, which url.Redacted
// prints in clear) as readily as the password. In ssh URLs the user is an
// account name, so only a password is masked. Query parameters that carry
// tokens are masked too. Text that is not a URL is returned unchanged.
func URL(raw string) string {
	if !strings.Contains(raw, "://") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return maskUserinfo(raw)
	}
	changed := false
	if u.User != nil {
		_, hasPass := u.User.Password()
		switch {
		case u.Scheme == "ssh" || u.Scheme == "git+ssh" || u.Scheme == "ssh+git":
			if hasPass {
				u.User = url.UserPassword(u.User.Username(), Mask)
				changed = true
			}
		default:
			u.User = url.User(Mask)
			changed = true
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if secretParams[strings.ToLower(k)] {
				q.Set(k, Mask)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	if !changed {
		return raw
	}
	return u.String()
}

// Source returns a remote URL fit to be stored where anyone may read it,
// such as an image label: the user part dropped whole, token parameters
// masked as URL does.
func Source(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return URL(raw)
	}
	u.User = nil
	return URL(u.String())
}

// maskUserinfo masks what sits between "://" and "@" in a string url.Parse
// refused, such as a URL whose password holds a bare '%'.
func maskUserinfo(raw string) string {
	i := strings.Index(raw, "://") + len("://")
	rest := raw[i:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return raw[:i] + Mask + rest[at:]
	}
	return raw
}

var (
	// urlPattern finds URLs inside free text such as an error message.
	urlPattern = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>]+`)
	// tokenPattern finds tokens whose format announces them, wherever they
	// are: GitHub's (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), GitLab's
	// (glpat-, gldt-, glcbt-, …) and bearer or basic headers.
	tokenPattern = regexp.MustCompile(`\b(gh[opusr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|gl[a-z]{2,5}-[A-Za-z0-9_-]{16,})|((?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{16,}`)
)

// String masks the secrets of every URL in msg and every token whose
// format is known, and then each of the given secret values, so that a
// credential a caller knows it used is hidden whatever form the text
// quotes it in.
func String(msg string, secrets ...string) string {
	msg = urlPattern.ReplaceAllStringFunc(msg, URL)
	msg = tokenPattern.ReplaceAllStringFunc(msg, func(m string) string {
		if sub := tokenPattern.FindStringSubmatch(m); sub[2] != "" {
			return sub[2] + Mask
		}
		return Mask
	})
	for _, s := range secrets {
		if len(s) >= 4 { // shorter values would mask ordinary words
			msg = strings.ReplaceAll(msg, s, Mask)
			if esc := url.QueryEscape(s); esc != s {
				msg = strings.ReplaceAll(msg, esc, Mask)
			}
		}
	}
	return msg
}

// Error returns err with String applied to its message. The result still
// unwraps to err, so errors.Is and errors.As see the causes as before.
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := String(err.Error(), secrets...)
	if msg == err.Error() {
		return err
	}
	return &redacted{msg: msg, cause: err}
}

type redacted struct {
	msg   string
	cause error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.cause }
