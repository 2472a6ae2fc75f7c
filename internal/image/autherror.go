package image

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// AuthError reports that a registry refused the credentials it was sent,
// or their absence. It names the registry and what to do, never a secret.
type AuthError struct {
	Registry string
	Err      error
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("unauthorized: %s refused the credentials (run `docker login %s`, or check its credential helper)", e.Registry, e.Registry)
}

func (e *AuthError) Unwrap() error { return e.Err }

// refusedCredentials says whether err is a registry's 401 or 403 answer and
// which registry gave it.
func refusedCredentials(err error) (string, bool) {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return "", false
	}
	refused := terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden
	for _, d := range terr.Errors {
		refused = refused || d.Code == transport.UnauthorizedErrorCode || d.Code == transport.DeniedErrorCode
	}
	if !refused {
		return "", false
	}
	host := "the registry"
	if terr.Request != nil {
		host = terr.Request.URL.Host
	}
	return host, true
}

// EngineAuthError turns an engine's push or pull failure that says the
// registry of ref refused the credentials into an *AuthError, and returns
// other errors unchanged.
func EngineAuthError(ref string, err error) error {
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"unauthorized", "authentication required", "no basic auth credentials", "denied:"} {
		if strings.Contains(msg, s) {
			host := hostOf(ref)
			if host == "" {
				host = "docker.io"
			}
			return &AuthError{Registry: host, Err: err}
		}
	}
	return err
}
