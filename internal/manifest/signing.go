package manifest

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultPasswordEnv is the variable the signing key's password is read
// from when the manifest names none; it is also cosign's.
const DefaultPasswordEnv = "COSIGN_PASSWORD"

// Signing says how images are signed when pushed and which key their
// signatures are checked against. Paths are absolute.
type Signing struct {
	// Key is a cosign private key file; "" on machines that only verify.
	Key string
	// PasswordEnv names the variable holding Key's password.
	PasswordEnv string
	// PublicKey is the cosign public key file signatures are checked
	// against; "" means the public half of Key.
	PublicKey string
}

// Signs says whether pushed images are to be signed.
func (s *Signing) Signs() bool { return s != nil && s.Key != "" }

// Verifies says whether signatures can be checked.
func (s *Signing) Verifies() bool { return s != nil && (s.Key != "" || s.PublicKey != "") }

func (d *decoder) signing(top *object, root string) *Signing {
	o := d.child(top, "signing", false, signingKeys.names()...)
	if o == nil {
		return nil
	}
	s := &Signing{PasswordEnv: DefaultPasswordEnv}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"key", &s.Key}, {"publicKey", &s.PublicKey}} {
		v, at := d.str(o, f.name, false)
		if at != nil && d.check(at, join(o.path, f.name), keyFileProblem(v)) {
			*f.dst = onHost(root, v)
		}
	}
	if env, at := d.str(o, "passwordEnv", false); at != nil && d.check(at, join(o.path, "passwordEnv"), envNameProblem(env)) {
		s.PasswordEnv = env
	}
	if s.Key == "" && s.PublicKey == "" {
		d.report(o.at, o.path, "needs key (to sign pushed images) or publicKey (to verify them), or both")
	}
	return s
}

func keyFileProblem(p string) string {
	if strings.Contains(p, "://") {
		return "only key files are supported (a cosign key pair file, absolute or relative to the manifest's folder), not KMS or other URIs"
	}
	return hostFileProblem(p)
}

// requireSignatures reads an environment's requireSignatures flag, which
// needs a key to check signatures with.
func (d *decoder) requireSignatures(o *object, signing *Signing) bool {
	f, ok := o.fields["requireSignatures"]
	if !ok || isNull(f.val) {
		return false
	}
	var b bool
	if f.val.Kind != yaml.ScalarNode || f.val.Tag != "!!bool" || f.val.Decode(&b) != nil {
		d.report(f.val, join(o.path, "requireSignatures"), "must be true or false, got %s", describe(f.val))
		return false
	}
	if b && !signing.Verifies() {
		d.report(f.key, join(o.path, "requireSignatures"), "needs a key to check signatures with: set signing.publicKey (or signing.key) at the top level")
	}
	return b
}
