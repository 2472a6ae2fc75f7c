package pipeline

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"github.com/x-platform/x-platform/internal/manifest"
)

// secrets reads the service's secrets, and adds those given to every
// build; a secret the manifest names but cannot be read is a usage error,
// said before anything is built.
func (p *Pipeline) secrets(s *manifest.Service) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, sec := range s.Secrets {
		v, err := ReadSecret(sec)
		if err != nil {
			return nil, &UsageError{fmt.Sprintf("service %s: %v", s.Name, err)}
		}
		out[sec.ID] = v
	}
	maps.Copy(out, p.Secrets)
	return out, nil
}

// ReadSecret reads a secret's value from its environment variable or file.
func ReadSecret(sec manifest.Secret) ([]byte, error) {
	if sec.Env != "" {
		v, ok := os.LookupEnv(sec.Env)
		if !ok {
			return nil, fmt.Errorf("secret %s: $%s is not set", sec.ID, sec.Env)
		}
		return []byte(v), nil
	}
	file := sec.File
	if rest, ok := strings.CutPrefix(file, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("secret %s: %w", sec.ID, err)
		}
		file = filepath.Join(home, rest)
	}
	v, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", sec.ID, err)
	}
	return v, nil
}
