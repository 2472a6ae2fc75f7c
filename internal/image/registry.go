package image

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/x-platform/x-platform/internal/retry"
)

// ErrNotFound reports that a registry has no manifest for a reference,
// either because the tag or the whole repository is unknown.
var ErrNotFound = errors.New("image not found in registry")

// Registry answers questions about images stored in remote registries.
// It is safe for concurrent use; connections are shared between calls.
type Registry struct {
	keychain  authn.Keychain
	transport *hostTransport
	insecure  map[string]bool
	policy    retry.Policy
	// puller keeps each repository's authenticated transport, so that the
	// look-ups of a run ping and log in once per repository, not per call.
	puller *remote.Puller
}

// Option configures a Registry.
type Option func(*Registry)

// WithInsecureRegistries lets the given registry hosts ("host" or
// "host:port", as written in image references) be reached over plain HTTP
// or HTTPS with an unverified certificate. Empty entries are ignored, so a
// split comma list can be passed.
func WithInsecureRegistries(hosts ...string) Option {
	return func(r *Registry) {
		for h := range insecureSet(hosts) {
			r.insecure[h] = true
		}
	}
}

// WithPolicy sets how long a registry connection may stay silent and how
// transient failures are retried; retry.Default otherwise.
func WithPolicy(p retry.Policy) Option {
	return func(r *Registry) { r.policy = p.WithDefaults() }
}

// NewRegistry returns a Registry that finds credentials as Keychain does
// and trusts what the host and Docker's certs.d folders trust.
func NewRegistry(opts ...Option) *Registry {
	r := &Registry{keychain: Keychain(), insecure: map[string]bool{}, policy: retry.Default}
	for _, o := range opts {
		o(r)
	}
	r.transport = newTransport(r.insecure, r.policy)
	// NewPuller fails only on invalid options, which these are not.
	r.puller, _ = remote.NewPuller(r.options(context.Background())...)
	return r
}

// Digest returns the manifest digest ("sha256:…") that ref points to in its
// registry. A missing tag or repository yields an error matching ErrNotFound.
func (r *Registry) Digest(ctx context.Context, ref Ref) (string, error) {
	parsed, err := r.parse(ref)
	if err != nil {
		return "", err
	}
	var digest string
	err = r.do(ctx, func(ctx context.Context) error {
		desc, err := r.puller.Head(ctx, parsed)
		if err == nil {
			digest = desc.Digest.String()
			return nil
		}
		if isNotFound(err) || ctx.Err() != nil || isTransportFailure(err) || retry.Transient(withStatus(err)) {
			return err
		}
		// Some registries refuse HEAD on manifests or omit the digest
		// header; a GET answers the same question.
		got, err := r.puller.Get(ctx, parsed)
		if err == nil {
			digest = got.Digest.String()
		}
		return err
	})
	if err != nil {
		return "", classify("looking up "+ref.String(), err)
	}
	return digest, nil
}

// Tag gives the manifest that src points to the additional tag newTag in
// src's repository, without moving any layers.
func (r *Registry) Tag(ctx context.Context, src Ref, newTag string) error {
	parsed, err := r.parse(src)
	if err != nil {
		return err
	}
	var desc *remote.Descriptor
	err = r.do(ctx, func(ctx context.Context) error {
		desc, err = remote.Get(parsed, r.options(ctx)...)
		return err
	})
	if err != nil {
		return classify("fetching manifest of "+src.String(), err)
	}
	dst := parsed.Context().Tag(newTag)
	// Putting a manifest under a tag is idempotent, so a retry is safe.
	err = r.do(ctx, func(ctx context.Context) error {
		return remote.Tag(dst, desc, r.options(ctx)...)
	})
	if err != nil {
		return classify("tagging "+dst.String(), err)
	}
	return nil
}

func (r *Registry) parse(ref Ref) (name.Reference, error) {
	// name.Insecure only lets go-containerregistry try plain HTTP after
	// HTTPS; the transport decides whether it may.
	var opts []name.Option
	if r.transport.plainHTTPAllowed(ref.Registry()) {
		opts = append(opts, name.Insecure)
	}
	return ref.Name(opts...)
}

func (r *Registry) options(ctx context.Context) []remote.Option {
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(r.keychain),
		remote.WithTransport(r.transport),
		// Retries are the policy's, around whole calls, so that a body
		// cut short is retried too and attempts do not multiply.
		remote.WithRetryPredicate(func(error) bool { return false }),
		remote.WithRetryStatusCodes(),
	}
}

// do runs one registry call under the retry policy.
func (r *Registry) do(ctx context.Context, fn func(context.Context) error) error {
	return r.policy.Do(ctx, func(ctx context.Context) error {
		return withStatus(fn(ctx))
	})
}

// withStatus lets the retry policy read a registry answer's status code.
func withStatus(err error) error {
	var terr *transport.Error
	if errors.As(err, &terr) {
		return retry.WithStatus(err, terr.StatusCode)
	}
	return err
}

// hostOf returns the registry part of ref the way the docker CLI finds it:
// the first path element when it looks like a host.
func hostOf(ref string) string {
	first, _, found := strings.Cut(ref, "/")
	if !found || !strings.ContainsAny(first, ".:") && first != "localhost" {
		return ""
	}
	return first
}

func isNotFound(err error) bool {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return false
	}
	if terr.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range terr.Errors {
		if d.Code == transport.ManifestUnknownErrorCode || d.Code == transport.NameUnknownErrorCode {
			return true
		}
	}
	return false
}

// isTransportFailure tells a failure to reach the registry at all, which a
// second request would only repeat, from an answer the registry gave.
func isTransportFailure(err error) bool {
	var uerr *url.Error
	return errors.As(err, &uerr)
}

func classify(doing string, err error) error {
	if isNotFound(err) {
		return fmt.Errorf("%s: %w", doing, ErrNotFound)
	}
	if host, ok := refusedCredentials(err); ok {
		return fmt.Errorf("%s: %w", doing, &AuthError{Registry: host, Err: redact(err)})
	}
	return fmt.Errorf("%s: %w", doing, redact(err))
}

// PlainHTTP says whether ref's registry is spoken to over plain HTTP: a
// loopback registry, or one listed as insecure. Builds hand the same answer
// to BuildKit, which pushes and reads its cache there.
func (r *Registry) PlainHTTP(ref Ref) bool {
	return r.transport.plainHTTPAllowed(ref.Registry())
}
