package sign

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sigstore/cosign/v2/pkg/cosign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// KeyError is a signing or public key that cannot be used: missing,
// unreadable, not a cosign key, or its password wrong or not given. It is
// a configuration problem, not a failed image.
type KeyError struct{ Err error }

func (e *KeyError) Error() string { return e.Err.Error() }
func (e *KeyError) Unwrap() error { return e.Err }

// LoadPrivateKey reads a cosign private key file (as `cosign
// generate-key-pair` writes it), its password from the variable
// passwordEnv. An unset variable is tried as the empty password, which
// cosign allows.
func LoadPrivateKey(path, passwordEnv string) (signature.SignerVerifier, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &KeyError{fmt.Errorf("reading signing key: %w", err)}
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != cosign.CosignPrivateKeyPemType && block.Type != cosign.SigstorePrivateKeyPemType {
		return nil, &KeyError{fmt.Errorf("reading signing key %s: not a cosign private key (make one with: cosign generate-key-pair)", path)}
	}
	password, set := os.LookupEnv(passwordEnv)
	sv, err := cosign.LoadPrivateKey(data, []byte(password), nil)
	switch {
	case err == nil:
		return sv, nil
	case strings.HasPrefix(err.Error(), "decrypt:") && !set:
		return nil, &KeyError{fmt.Errorf("signing key %s is encrypted with a password: set %s to it", path, passwordEnv)}
	case strings.HasPrefix(err.Error(), "decrypt:"):
		return nil, &KeyError{fmt.Errorf("signing key %s: wrong password (read from %s)", path, passwordEnv)}
	}
	return nil, &KeyError{fmt.Errorf("reading signing key %s: %w", path, err)}
}

// LoadPublicKey reads a PEM public key file, such as cosign.pub.
func LoadPublicKey(path string) (signature.Verifier, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &KeyError{fmt.Errorf("reading public key: %w", err)}
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(data)
	if err != nil {
		return nil, &KeyError{fmt.Errorf("reading public key %s: not a PEM public key (cosign.pub): %w", path, err)}
	}
	v, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		return nil, &KeyError{fmt.Errorf("reading public key %s: %w", path, err)}
	}
	return v, nil
}

// KeyID names a public key: the hex sha256 of its DER form, short.
func KeyID(v signature.PublicKeyProvider) (string, error) {
	pub, err := v.PublicKey()
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("encoding public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:8]), nil
}

// IsKeyError says whether err is a KeyError.
func IsKeyError(err error) bool {
	var ke *KeyError
	return errors.As(err, &ke)
}
