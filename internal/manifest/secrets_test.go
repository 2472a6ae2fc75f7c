package manifest

import (
	"errors"
	"strings"
	"testing"
)

// TestSecretsEmptyOrWrongType checks that a secret whose env or file is
// empty, or not a string, is reported once, at that key.
func TestSecretsEmptyOrWrongType(t *testing.T) {
	const service = "services:\n  a:\n    dir: a\n    git: {remote: r, reference: main}\n" +
		"    dockerBuilder: {image: b, workdir: /src}\n    docker: {image: a}\n    secrets:\n"
	tests := []struct{ secret, want string }{
		{"{id: npm, env: }", "8:19: services.a.secrets[0].env: must not be empty"},
		{"{id: npm, file: ''}", "8:19: services.a.secrets[0].file: must not be empty"},
		{"{id: npm, env: [NPM_TOKEN]}", "8:24: services.a.secrets[0].env: must be a string, got a list"},
		{"{id: npm, file: {path: x}}", "8:25: services.a.secrets[0].file: must be a string, got a mapping"},
		{"", "8:8: services.a.secrets[0]: must not be empty"},
		{"{id: 7, env: X, token: y}", "8:25: services.a.secrets[0].token: unknown key"},
	}
	for _, tt := range tests {
		_, err := Parse("x.yml", []byte(service+"      - "+tt.secret+"\n"))
		var errs Errors
		if !errors.As(err, &errs) || len(errs) != 1 || !strings.HasPrefix(err.Error(), "x.yml:"+tt.want) {
			t.Errorf("secret %s: got %v, want one problem starting x.yml:%s", tt.secret, err, tt.want)
		}
	}
}
