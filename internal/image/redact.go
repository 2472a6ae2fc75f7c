package image

import redactpkg "github.com/x-platform/x-platform/internal/redact"

// redact hides passwords and token parameters in the URL of a
// transport-level error so that printing the error reveals no secret.
// ggcr's own *transport.Error already redacts its request URL.
func redact(err error) error {
	return redactpkg.Error(err)
}
