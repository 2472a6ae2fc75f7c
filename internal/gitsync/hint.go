package gitsync

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/x-platform/x-platform/internal/redact"
)

// shown prepares an error for the user: what to do when a host refused the
// credentials, and no secret of the remote's URL or credentials.
func shown(err error) error {
	if errors.Is(err, transport.ErrAuthenticationRequired) || errors.Is(err, transport.ErrAuthorizationFailed) {
		err = fmt.Errorf("%w (credentials for an https host come from a git credential helper, "+
			"~/.git-credentials, ~/.netrc, GITHUB_TOKEN or CI_JOB_TOKEN on their own server, "+
			"or XP_GIT_TOKEN with XP_GIT_HOST naming the host)", err)
	}
	return redact.Error(err)
}
