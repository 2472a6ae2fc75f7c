package deploy

import (
	"errors"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/render"
)

// ConfigError is a deploy that cannot start because of how it is configured:
// an invalid tracking annotation, a namespace that does not exist.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// IsConfigError says whether err comes from configuration (an unknown
// environment, an overlay that does not render, an unusable kubeconfig)
// rather than from a failure at run time.
func IsConfigError(err error) bool {
	var (
		ce *ConfigError
		ue *render.UnknownEnvError
		re *render.Error
		ke *kube.ConfigError
	)
	return errors.As(err, &ce) || errors.As(err, &ue) || errors.As(err, &re) || errors.As(err, &ke)
}
