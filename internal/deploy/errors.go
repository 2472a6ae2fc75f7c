package deploy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/release"
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

// InterruptedError is a deploy stopped part way (Ctrl-C). It is recorded
// as interrupted and not rolled back: whoever stopped it wants it to stop
// now, not to start another rollout, and the record says what was applied.
type InterruptedError struct {
	Env      string
	Revision int
	Deployed *release.Record // the release deployed before; nil for a first deploy
}

func (e *InterruptedError) Error() string {
	msg := fmt.Sprintf("deploying to %s was interrupted part way and is recorded as revision %d (interrupted); the cluster may run some of it", e.Env, e.Revision)
	if e.Deployed != nil {
		return msg + fmt.Sprintf(": deploy again, or run x-platform rollback --env %s to restore revision %d", e.Env, e.Deployed.Revision)
	}
	return msg + ": deploy again"
}

// UnknownOutcomeError is a rollout whose outcome nobody could read: the
// Kubernetes API did not answer for longer than tracking waits. It is
// recorded as unknown and not rolled back, since a rollback would be as
// blind as the rollout and might undo a healthy release.
type UnknownOutcomeError struct {
	Env      string
	Revision int
	Err      error
}

func (e *UnknownOutcomeError) Error() string {
	return fmt.Sprintf("deploying to %s: %v; recorded as revision %d (unknown) and nothing was rolled back: once the cluster answers, check it (kubectl get pods), then deploy again or run x-platform rollback --env %s",
		e.Env, e.Err, e.Revision, e.Env)
}
func (e *UnknownOutcomeError) Unwrap() error { return e.Err }

// ImagesGoneError is a rollback refused before it applied anything: images
// of the release it would restore are no longer in their registries, so
// its pods could never start.
type ImagesGoneError struct {
	Revision int
	Missing  []string // image@digest
}

func (e *ImagesGoneError) Error() string {
	return fmt.Sprintf("not rolling back to revision %d: its image(s) %s are no longer in the registry, so its pods could not start; push them again (x-platform build at those commits) or choose another revision with x-platform rollback --to N",
		e.Revision, strings.Join(e.Missing, ", "))
}
