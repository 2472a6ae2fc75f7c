package manifest

import (
	"path/filepath"
	"strings"
	"testing"
)

const signingService = `services:
  zbackend:
    dir: src/zbackend
    git: {remote: "file:///srv/git/zbackend.git", reference: main}
    dockerBuilder: {image: busybox, workdir: /src}
    docker: {image: zbackend}
`

func TestSigning(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tests := []struct {
		name string
		yaml string
		want *Signing
		prod bool // environments.production.requireSignatures
	}{
		{"none", "", nil, false},
		{
			"key only, default password variable",
			"signing: {key: keys/cosign.key}\n",
			&Signing{Key: filepath.Join(root, "keys/cosign.key"), PasswordEnv: "COSIGN_PASSWORD"}, false,
		},
		{
			"all three",
			"signing: {key: /etc/xp/cosign.key, passwordEnv: XP_KEY_PASS, publicKey: keys/cosign.pub}\n",
			&Signing{Key: "/etc/xp/cosign.key", PasswordEnv: "XP_KEY_PASS", PublicKey: filepath.Join(root, "keys/cosign.pub")}, false,
		},
		{
			"public key alone, required in production",
			"signing: {publicKey: keys/cosign.pub}\nenvironments:\n  production: {namespace: prod, requireSignatures: true}\n",
			&Signing{PasswordEnv: "COSIGN_PASSWORD", PublicKey: filepath.Join(root, "keys/cosign.pub")}, true,
		},
		{
			"private key is enough to verify",
			"signing: {key: k}\nenvironments:\n  production: {requireSignatures: true}\n",
			&Signing{Key: filepath.Join(root, "k"), PasswordEnv: "COSIGN_PASSWORD"}, true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(filepath.Join(root, FileName), []byte(tt.yaml+signingService))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == nil && m.Signing != nil:
				t.Errorf("Signing = %+v, want none", m.Signing)
			case tt.want != nil && (m.Signing == nil || *m.Signing != *tt.want):
				t.Errorf("Signing = %+v, want %+v", m.Signing, tt.want)
			}
			env, _ := m.Environment("production")
			if env.RequireSignatures != tt.prod {
				t.Errorf("production.RequireSignatures = %v, want %v", env.RequireSignatures, tt.prod)
			}
		})
	}
}

func TestSigningInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, yaml, want string }{
		{"kms URI", "signing: {key: awskms:///alias/x}\n", "1:16: signing.key: only key files are supported"},
		{"public key URI", "signing: {publicKey: \"hashivault://k\"}\n", "signing.publicKey: only key files are supported"},
		{"tilde", "signing: {key: ~/cosign.key}\n", "signing.key: ~ is not expanded here"},
		{"no key at all", "signing: {passwordEnv: P}\n", "signing: needs key (to sign pushed images) or publicKey"},
		{"bad variable", "signing: {key: k, passwordEnv: 1PASS}\n", "signing.passwordEnv: not a valid environment variable name"},
		{"unknown key", "signing: {kms: x}\n", "signing.kms: unknown key"},
		{"required without key", "environments:\n  production: {requireSignatures: true}\n",
			"2:16: environments.production.requireSignatures: needs a key to check signatures with: set signing.publicKey"},
		{"not a boolean", "signing: {key: k}\nenvironments:\n  production: {requireSignatures: \"yes\"}\n",
			"environments.production.requireSignatures: must be true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(filepath.Join(t.TempDir(), FileName), []byte(tt.yaml+signingService))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestRequireSignaturesFalseNeedsNoKey(t *testing.T) {
	t.Parallel()
	m, err := Parse(filepath.Join(t.TempDir(), FileName), []byte("environments:\n  staging: {requireSignatures: false}\n"+signingService))
	if err != nil {
		t.Fatal(err)
	}
	if env, _ := m.Environment("staging"); env.RequireSignatures {
		t.Error("staging requires signatures, want not")
	}
}
