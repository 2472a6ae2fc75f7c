package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/google/go-containerregistry/pkg/name"

	xpimage "github.com/x-platform/x-platform/internal/image"
)

// Pull fetches ref from its registry into the engine, writing one line per
// layer event (no progress bars) to log.
func (e *Engine) Pull(ctx context.Context, ref string, log io.Writer) error {
	auth, err := registryAuth(ref)
	if err != nil {
		return fmt.Errorf("pulling %s: %w", ref, err)
	}
	stream, err := e.api.ImagePull(ctx, ref, image.PullOptions{RegistryAuth: auth})
	if err != nil {
		return fmt.Errorf("pulling %s: %w", ref, xpimage.EngineAuthError(ref, err))
	}
	defer stream.Close()
	if err := readProgress(stream, log, nil); err != nil {
		return fmt.Errorf("pulling %s: %w", ref, xpimage.EngineAuthError(ref, err))
	}
	return nil
}

// Push sends the local image ref to its registry and returns the manifest
// digest ("sha256:…") the registry stored it under.
func (e *Engine) Push(ctx context.Context, ref string, log io.Writer) (digest string, err error) {
	auth, err := registryAuth(ref)
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", ref, err)
	}
	stream, err := e.api.ImagePush(ctx, ref, image.PushOptions{RegistryAuth: auth})
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", ref, xpimage.EngineAuthError(ref, err))
	}
	defer stream.Close()
	err = readProgress(stream, log, func(aux json.RawMessage) {
		var result struct {
			Tag    string
			Digest string
			Size   int64
		}
		if json.Unmarshal(aux, &result) == nil && result.Digest != "" {
			digest = result.Digest
		}
	})
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", ref, xpimage.EngineAuthError(ref, err))
	}
	if digest == "" {
		return "", fmt.Errorf("pushing %s: engine reported no digest", ref)
	}
	return digest, nil
}

// registryAuth encodes the credentials the shared keychain holds for ref's
// registry the way the engine expects them in X-Registry-Auth.
func registryAuth(ref string) (string, error) {
	parsed, err := name.ParseReference(ref)
	if err != nil {
		return "", fmt.Errorf("parsing image reference %q: %w", ref, err)
	}
	reg := parsed.Context().Registry
	authenticator, err := xpimage.Keychain().Resolve(reg)
	if err != nil {
		return "", fmt.Errorf("resolving credentials for %s: %w", reg.RegistryStr(), err)
	}
	cfg, err := authenticator.Authorization()
	if err != nil {
		return "", fmt.Errorf("reading credentials for %s: %w", reg.RegistryStr(), err)
	}
	return registry.EncodeAuthConfig(registry.AuthConfig{
		Username:      cfg.Username,
		Password:      cfg.Password,
		Auth:          cfg.Auth,
		IdentityToken: cfg.IdentityToken,
		RegistryToken: cfg.RegistryToken,
	})
}

// readProgress consumes a pull or push message stream to its end, writes a
// line for each status change to log, hands aux payloads to onAux and turns
// an error message into an error.
func readProgress(stream io.Reader, log io.Writer, onAux func(json.RawMessage)) error {
	if log == nil {
		log = io.Discard
	}
	dec := json.NewDecoder(stream)
	for {
		var msg jsonmessage.JSONMessage
		if err := dec.Decode(&msg); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("reading engine messages: %w", err)
		}
		if msg.Error != nil {
			return errors.New(msg.Error.Message)
		}
		if msg.Aux != nil && onAux != nil {
			onAux(*msg.Aux)
		}
		if line := progressLine(msg); line != "" {
			fmt.Fprintln(log, line)
		}
	}
}

// progressLine returns the brief form of a status message, or "" for
// byte-count updates that only move a progress bar.
func progressLine(msg jsonmessage.JSONMessage) string {
	if msg.Status == "" || msg.ProgressMessage != "" {
		return ""
	}
	if p := msg.Progress; p != nil && (p.Current != 0 || p.Total != 0) {
		return ""
	}
	if msg.ID == "" {
		return msg.Status
	}
	return strings.TrimSpace(msg.ID + ": " + msg.Status)
}
