package image

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// ErrUnsupported reports a registry that refuses a delete as a matter of
// policy: deletes turned off, or tags that can only go with their manifest.
var ErrUnsupported = errors.New("the registry does not support this delete")

// DeleteTag removes tag from repo ("host/path") and leaves the manifest it
// pointed at. A tag already gone counts as deleted. A registry that deletes
// manifests only by digest answers ErrUnsupported.
func (r *Registry) DeleteTag(ctx context.Context, repo Ref, tag string) error {
	return r.delete(ctx, repo.WithTag(tag))
}

// DeleteManifest removes the manifest digest from repo, and with it every
// tag still pointing at it. A manifest already gone counts as deleted.
func (r *Registry) DeleteManifest(ctx context.Context, repo Ref, digest string) error {
	return r.delete(ctx, repo.WithDigest(digest))
}

func (r *Registry) delete(ctx context.Context, ref Ref) error {
	parsed, err := r.parse(ref)
	if err != nil {
		return err
	}
	// A delete is idempotent: retried after a lost answer, it finds the
	// reference gone, which is success.
	err = r.do(ctx, func(ctx context.Context) error {
		return remote.Delete(parsed, r.options(ctx)...)
	})
	switch {
	case err == nil || isNotFound(err):
		return nil
	case isUnsupported(err):
		return fmt.Errorf("deleting %s: %w (%w)", ref, ErrUnsupported, redact(err))
	}
	return classify("deleting "+ref.String(), err)
}

// isUnsupported tells a registry that does not delete this way from one
// that failed to: distribution answers 405 UNSUPPORTED when deletes are off
// and for tags before v3; others answer 400 or 405 with the same code.
func isUnsupported(err error) bool {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return false
	}
	if terr.StatusCode == http.StatusMethodNotAllowed {
		return true
	}
	for _, d := range terr.Errors {
		if d.Code == transport.UnsupportedErrorCode {
			return true
		}
	}
	return false
}

// isGone says whether a look-up failed because the reference is no more.
func isGone(err error) bool { return errors.Is(err, ErrNotFound) }
